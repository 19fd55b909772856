// A few rules of English the page's sentences share: a count with its noun ("1 image", "12,000 images") and a noun
// with its article ("a digit", "an image"), so a dataset's or a person's words read right wherever they go.

const NUMBER = new Intl.NumberFormat('en-US');

/** `n` and its noun, plural unless `n` is 1 (`plural` where adding an s is wrong: "class" → "classes"). */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${NUMBER.format(n)} ${n === 1 ? noun : plural}`;
}

/** The noun with "a" or "an" (by its first letter: the nouns here are plain words, not "hour" or "unit"). */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
