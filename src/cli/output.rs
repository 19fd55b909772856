//! Where the CLI writes: a file written whole or not at all (`AtomicOutput`), never over a file the command reads.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A file written whole or not at all: `commit` writes the bytes to a new temporary file beside the target, then
/// renames it over the target, so an interrupted save never leaves a broken file where a good one was.
///
/// The temporary file exists only while `commit` writes it (milliseconds), and every error on the way removes it:
/// a Ctrl-C during a long training run, when nothing has been written yet, leaves nothing behind. (Only a Ctrl-C in
/// those milliseconds can leave `.NAME.PID.partial`; a signal handler to close that window too would be more code
/// and a dependency for a file whose name says what it is.) `prepare` creates the temporary file and removes it at
/// once, so a folder that is missing or not writable is reported before any work is done. The temporary file is
/// created new (`create_new`): a file or symlink already at its name is refused, never followed or truncated.
pub struct AtomicOutput {
    target: PathBuf,
    temporary: PathBuf,
}

impl AtomicOutput {
    pub fn prepare(target: &Path) -> Result<AtomicOutput> {
        let io = |source| Error::Io { path: target.display().to_string(), source };
        if target.is_dir() {
            return Err(io(std::io::Error::other("is a folder; give a file name, e.g. model.safetensors")));
        }
        let name = target.file_name().ok_or_else(|| io(std::io::Error::other("names no file")))?;
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}.partial", std::process::id()));
        let output = AtomicOutput { target: target.to_path_buf(), temporary: target.with_file_name(temporary_name) };
        drop(output.create_temporary()?);
        std::fs::remove_file(&output.temporary).map_err(io)?;
        Ok(output)
    }

    /// The temporary file, new: never one that exists (a symlink planted there would be followed).
    fn create_temporary(&self) -> Result<std::fs::File> {
        std::fs::OpenOptions::new().write(true).create_new(true).open(&self.temporary).map_err(|e| {
            let problem = if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "cannot be written: {} already exists (left by an interrupted save, or put there by someone else);                      remove it and try again",
                    self.temporary.display()
                )
            } else {
                let folder = self.target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                format!("cannot be written ({e}); check that {} exists and is writable", folder.display())
            };
            Error::Io { path: self.target.display().to_string(), source: std::io::Error::new(e.kind(), problem) }
        })
    }

    pub fn commit(self, bytes: &[u8]) -> Result<PathBuf> {
        use std::io::Write;
        let mut file = self.create_temporary()?;
        let written = file.write_all(bytes).and_then(|_| file.sync_all());
        drop(file);
        if let Err(source) = written.and_then(|_| std::fs::rename(&self.temporary, &self.target)) {
            let _ = std::fs::remove_file(&self.temporary); // leave nothing behind
            return Err(Error::Io { path: self.target.display().to_string(), source });
        }
        Ok(self.target)
    }
}

/// Refuses an output that is one of the files the command reads (by another spelling of its path, or a hard link
/// to it): the result would be written over the input.
pub fn refuse_writing_over(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    match inputs.iter().find(|input| same_file(out, input)) {
        None => Ok(()),
        Some(input) => Err(Error::Io {
            path: out.display().to_string(),
            source: std::io::Error::other(format!("is the file this command reads ({}); choose another --out", input.display())),
        }),
    }
}

/// Whether two paths name one existing file: the same device and inode on unix, else the same canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (a.dev(), a.ino()) == (b.dev(), b.ino());
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

#[cfg(all(test, unix))]
mod tests {
    use super::AtomicOutput;

    /// Someone who can write in the output's folder plants a symlink where the temporary file will be: it is not
    /// followed (the file it points to would have been truncated and written), and the save is refused.
    #[test]
    fn a_symlink_planted_at_the_temporary_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("vae-cli-symlink-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let planted = dir.join(format!(".model.safetensors.{}.partial", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let result = AtomicOutput::prepare(&dir.join("model.safetensors")).and_then(|output| output.commit(b"overwritten"));
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "the symlink was followed");
        let message = result.expect_err("refused").to_string();
        assert!(message.contains(".partial") && message.contains("exists"), "{message}");
        assert!(!dir.join("model.safetensors").exists());
        std::fs::remove_dir_all(&dir).ok();
    }
}
