"""The Keras team's convolutional VAE example (keras.io/examples/generative/vae), run on this project's MNIST split:
the reference the `conv` structure is measured against, and the source of the fixture that holds our forward passes
to Keras's own.

Not part of `npm test` (it needs Python with Keras 3 and JAX, ~80 s per epoch on a 2-core machine):

    python3 -m venv /tmp/keras-env && /tmp/keras-env/bin/pip install "jax[cpu]" keras
    KERAS_BACKEND=jax /tmp/keras-env/bin/python scripts/reference/keras_vae.py train --seed 0 --epochs 20
    KERAS_BACKEND=jax /tmp/keras-env/bin/python scripts/reference/keras_vae.py fixture

`train` prints one JSON line per scored epoch: the test -ELBO per image as this project scores it (KL in closed form,
the reconstruction a mean over 10 draws of z, BCE on the logits), with the clipped-probability BCE Keras trains with
beside it. `fixture` trains seed 0 for one epoch and writes tests/fixtures/keras-conv.safetensors (the weights in the
project's conv contract) and tests/fixtures/keras-conv.json (what Keras's encoder and decoder give for a few inputs).
"""
import argparse
import gzip
import json
import os
import struct
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TRAIN_IMAGES = 9000  # the split is the project's contract: the last 1,000 images are the test set
LATENT = 2


def mnist():
    raw = gzip.open(os.path.join(ROOT, "data", "mnist-10k-images.idx3-ubyte.gz")).read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(raw, np.uint8, offset=16).reshape(n, h, w).astype("float32") / 255.0
    return x[:TRAIN_IMAGES, ..., None], x[TRAIN_IMAGES:, ..., None]


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def build():
    """The example's encoder and decoder, layer for layer; the decoder's logits are kept reachable (the example's last
    layer is Conv2DTranspose(1, 3, activation="sigmoid"): the same layer, its sigmoid a layer of its own)."""
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(LATENT, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(LATENT,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    logits = layers.Conv2DTranspose(1, 3, padding="same")(x)
    decoder = keras.Model(latent_inputs, layers.Activation("sigmoid")(logits), name="decoder")
    return encoder, decoder, keras.Model(latent_inputs, logits)


class VAE(keras.Model):
    """The example's model; its loss in `compute_loss`, which every Keras 3 backend calls (the example's own
    `train_step` uses TensorFlow's GradientTape)."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder

    def call(self, data):
        z_mean, z_log_var, z = self.encoder(data)
        return self.decoder(z), z_mean, z_log_var

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction, z_mean, z_log_var = y_pred
        reconstruction_loss = ops.mean(ops.sum(keras.losses.binary_crossentropy(x, reconstruction), axis=(1, 2)))
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        return reconstruction_loss + ops.mean(ops.sum(kl_loss, axis=1))


def score(encoder, decoder_logits, x_test, draws=10):
    rng = np.random.default_rng(0xE1B0)
    mu, logvar, _ = (a.astype(np.float64) for a in encoder.predict(x_test, batch_size=1000, verbose=0))
    kl = 0.5 * np.sum(np.exp(logvar) + mu * mu - logvar - 1.0, axis=1)
    target = x_test.reshape(len(x_test), -1).astype(np.float64)
    recon, recon_clipped = np.zeros(len(x_test)), np.zeros(len(x_test))
    for _ in range(draws):
        z = (mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)).astype("float32")
        logits = decoder_logits.predict(z, batch_size=1000, verbose=0).reshape(len(x_test), -1).astype(np.float64)
        recon += np.sum(np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits))), axis=1)
        p = np.clip(1 / (1 + np.exp(-logits)), 1e-7, 1 - 1e-7)
        recon_clipped -= np.sum(target * np.log(p) + (1 - target) * np.log(1 - p), axis=1)
    recon, recon_clipped = recon / draws, recon_clipped / draws
    return {"neg_elbo": float(np.mean(recon + kl)), "recon": float(np.mean(recon)), "kl": float(np.mean(kl)),
            "neg_elbo_clipped_bce": float(np.mean(recon_clipped + kl))}


def train(seed, epochs, scored):
    keras.utils.set_random_seed(seed)
    x_train, x_test = mnist()
    encoder, decoder, decoder_logits = build()
    start = time.time()

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 in scored:
                line = {"seed": seed, "epoch": epoch + 1, **score(encoder, decoder_logits, x_test),
                        "seconds": round(time.time() - start, 1)}
                print(json.dumps(line), flush=True)

    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam())
    vae.fit(x_train, epochs=epochs, batch_size=128, verbose=0, callbacks=[Report()])
    return encoder, decoder_logits, x_test


def contract_tensors(encoder, decoder_logits):
    """Keras's weights in the project's conv contract: PyTorch layouts (Conv2D (kh, kw, in, out) -> [out, in, kh, kw];
    Conv2DTranspose (kh, kw, out, in) -> [in, out, kh, kw]; Dense (in, out) -> [out, in]), and the 7 x 7 x 64 map
    flattened C, H, W where Keras flattens H, W, C."""
    (c1, c2, fc, mu, logvar) = [l for l in encoder.layers if l.get_weights()]
    (dfc, d1, d2, out) = [l for l in decoder_logits.layers if l.get_weights()]
    chw_to_hwc = np.arange(7 * 7 * 64).reshape(7, 7, 64).transpose(2, 0, 1).reshape(-1)
    tensors = {}

    def put(name, weight, bias):
        tensors[name + ".weight"], tensors[name + ".bias"] = weight, bias

    for name, layer in [("enc.conv1", c1), ("enc.conv2", c2), ("dec.deconv1", d1), ("dec.deconv2", d2), ("dec.out", out)]:
        kernel, bias = layer.get_weights()
        put(name, kernel.transpose(3, 2, 0, 1), bias)
    kernel, bias = fc.get_weights()
    put("enc.fc", kernel[chw_to_hwc, :].T, bias)
    for name, layer in [("enc.mu", mu), ("enc.logvar", logvar)]:
        kernel, bias = layer.get_weights()
        put(name, kernel.T, bias)
    kernel, bias = dfc.get_weights()
    put("dec.fc", kernel[:, chw_to_hwc].T, bias[chw_to_hwc])
    return tensors


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        blobs.append(array.tobytes())
        offset += array.nbytes
    header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def fixture():
    encoder, decoder_logits, x_test = train(seed=0, epochs=1, scored=set())
    fixtures = os.path.join(ROOT, "tests", "fixtures")
    os.makedirs(fixtures, exist_ok=True)
    # No `format` or `beta`: a file from elsewhere, as a PyTorch user's would be, declaring its structure.
    metadata = {"architecture": "conv", "padding": "keras-same", "latent": str(LATENT)}
    write_safetensors(os.path.join(fixtures, "keras-conv.safetensors"), contract_tensors(encoder, decoder_logits), metadata)
    images = [0, 1, 2, 3]  # of the test set
    mu, logvar, _ = encoder.predict(x_test[images], verbose=0)
    z = np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5], [0.3, 2.0]], dtype="float32")
    logits = decoder_logits.predict(z, verbose=0).reshape(len(z), -1)
    out = {"keras": keras.__version__, "backend": keras.backend.backend(), "test_images": images,
           "mu": mu.tolist(), "logvar": logvar.tolist(), "z": z.tolist(), "logits": logits.tolist()}
    with open(os.path.join(fixtures, "keras-conv.json"), "w") as f:
        json.dump(out, f)
    print("wrote tests/fixtures/keras-conv.safetensors and keras-conv.json")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train and score: one JSON line per scored epoch")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--scored", default="1,5,20", help="epochs to score, comma-separated")
    sub.add_parser("fixture", help="write the cross-check fixture under tests/fixtures")
    args = parser.parse_args()
    if args.command == "train":
        train(args.seed, args.epochs, {int(e) for e in args.scored.split(",")})
    else:
        fixture()
