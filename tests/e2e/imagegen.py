"""Build small OCI image layouts on disk with the Python standard library only.

No network is available to the tests, so the images pushed by skopeo and podman are made here:
deterministic (same seed, same bytes, same digests) so a test can compare digests in and out.

    make_image(dir, layers=5, arch="amd64", seed="x")  -> ImageInfo for an image manifest
    make_multiarch(dir, arches=("amd64", "arm64"))      -> ImageInfo for an OCI index
    verify_layout(dir) / verify_dir(dir)                -> re-hash every blob a client wrote
"""
import gzip
import hashlib
import io
import json
import os
import random
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
# Fixed mtime so tar and gzip output depend only on the seed.
EPOCH = 1700000000


def sha256(data):
    """Return the "sha256:<hex>" digest of bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj):
    """Serialize deterministically (sorted keys, no spaces)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class ImageInfo:
    """What was written: the top-level descriptor and every blob by digest."""

    def __init__(self, digest, media_type, size, blobs, children=None, ref="latest"):
        self.digest = digest
        self.media_type = media_type
        self.size = size
        self.blobs = blobs            # digest -> bytes (manifests, configs, layers)
        self.children = children or {}  # arch -> ImageInfo, for an index
        self.ref = ref

    def layer_digests(self):
        """Layer digests of an image manifest, in order."""
        man = json.loads(self.blobs[self.digest])
        return [l["digest"] for l in man.get("layers", [])]


def _layer_tar(seed, index, big=0):
    """An uncompressed tar with a directory and a few small files (plus one incompressible file
    of `big` bytes if big > 0), deterministic for (seed, index)."""
    rng = random.Random(f"{seed}/{index}")
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tar:
        d = tarfile.TarInfo(f"layer{index}")
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        d.mtime = EPOCH
        tar.addfile(d)
        for f in range(3):
            size = rng.randint(16, 4096)
            body = rng.randbytes(size)
            ti = tarfile.TarInfo(f"layer{index}/file{f}.bin")
            ti.size = len(body)
            ti.mode = 0o644
            ti.mtime = EPOCH
            tar.addfile(ti, io.BytesIO(body))
        if big:
            body = rng.randbytes(big)
            ti = tarfile.TarInfo(f"layer{index}/big.bin")
            ti.size = len(body)
            ti.mode = 0o644
            ti.mtime = EPOCH
            tar.addfile(ti, io.BytesIO(body))
        note = f"seed={seed} layer={index}\n".encode()
        ti = tarfile.TarInfo(f"etc/wharf-layer-{index}.txt")
        ti.size = len(note)
        ti.mode = 0o644
        ti.mtime = EPOCH
        tar.addfile(ti, io.BytesIO(note))
    return bio.getvalue()


def _gzip(data):
    bio = io.BytesIO()
    with gzip.GzipFile(fileobj=bio, mode="wb", mtime=0) as gz:
        gz.write(data)
    return bio.getvalue()


def _write_blob(root, data):
    digest = sha256(data)
    path = os.path.join(root, "blobs", "sha256", digest.split(":", 1)[1])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return digest


def _write_layout(root, manifests):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    index = {"schemaVersion": 2, "manifests": manifests}
    with open(os.path.join(root, "index.json"), "wb") as f:
        f.write(canonical_json(index))


def build_image(layers=3, arch="amd64", seed="wharf", variant=None, big=0):
    """Build an image in memory; returns ImageInfo (nothing written). The last layer carries an
    extra incompressible file of `big` bytes when big > 0."""
    blobs = {}
    layer_descs, diff_ids = [], []
    for i in range(layers):
        raw = _layer_tar(seed, i, big if i == layers - 1 else 0)
        gz = _gzip(raw)
        d = sha256(gz)
        blobs[d] = gz
        layer_descs.append({"mediaType": OCI_LAYER_GZIP, "digest": d, "size": len(gz)})
        diff_ids.append(sha256(raw))
    config = {
        "architecture": arch,
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {
            "Cmd": ["/bin/true"],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Labels": {"org.wharf.test.seed": str(seed)},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": f"imagegen layer {i}"}
                    for i in range(layers)],
    }
    if variant:
        config["variant"] = variant
    cfg = canonical_json(config)
    cfg_digest = sha256(cfg)
    blobs[cfg_digest] = cfg
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": len(cfg)},
        "layers": layer_descs,
        "annotations": {"org.opencontainers.image.title": f"wharf-test-{seed}"},
    }
    man = canonical_json(manifest)
    man_digest = sha256(man)
    blobs[man_digest] = man
    return ImageInfo(man_digest, OCI_MANIFEST, len(man), blobs)


def make_image(root, layers=3, arch="amd64", seed="wharf", ref="latest", big=0):
    """Write an OCI layout at root holding one image tagged `ref`; returns ImageInfo."""
    img = build_image(layers, arch, seed, big=big)
    for data in img.blobs.values():
        _write_blob(str(root), data)
    _write_layout(str(root), [{
        "mediaType": OCI_MANIFEST, "digest": img.digest, "size": img.size,
        "annotations": {"org.opencontainers.image.ref.name": ref},
    }])
    img.ref = ref
    return img


def _platform(arch):
    plat = {"architecture": arch, "os": "linux"}
    if arch == "arm64":
        plat["variant"] = "v8"
    elif arch == "arm":
        plat["variant"] = "v7"
    return plat


def make_multiarch(root, arches=("amd64", "arm64"), layers=2, seed="multi", ref="latest"):
    """Write an OCI layout at root holding an image index over one image per arch."""
    blobs, children, descs = {}, {}, []
    for arch in arches:
        plat = _platform(arch)
        img = build_image(layers, arch, f"{seed}-{arch}", plat.get("variant"))
        blobs.update(img.blobs)
        children[arch] = img
        descs.append({"mediaType": OCI_MANIFEST, "digest": img.digest, "size": img.size,
                      "platform": plat})
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descs}
    idx = canonical_json(index)
    idx_digest = sha256(idx)
    blobs[idx_digest] = idx
    for data in blobs.values():
        _write_blob(str(root), data)
    _write_layout(str(root), [{
        "mediaType": OCI_INDEX, "digest": idx_digest, "size": len(idx),
        "annotations": {"org.opencontainers.image.ref.name": ref},
    }])
    return ImageInfo(idx_digest, OCI_INDEX, len(idx), blobs, children, ref)


def verify_layout(root):
    """Re-hash every blob in an OCI layout; return {digest: bytes}. Raises AssertionError."""
    out = {}
    bdir = os.path.join(str(root), "blobs", "sha256")
    for name in sorted(os.listdir(bdir)):
        with open(os.path.join(bdir, name), "rb") as f:
            data = f.read()
        got = hashlib.sha256(data).hexdigest()
        assert got == name, f"blob {name} in {root} hashes to {got}"
        out["sha256:" + name] = data
    return out


def verify_dir(root):
    """Re-hash every blob a `dir:` transport wrote (files named by hex digest); return
    ({digest: bytes}, manifest bytes)."""
    out = {}
    for name in sorted(os.listdir(str(root))):
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            continue
        with open(os.path.join(str(root), name), "rb") as f:
            data = f.read()
        got = hashlib.sha256(data).hexdigest()
        assert got == name, f"blob {name} in {root} hashes to {got}"
        out["sha256:" + name] = data
    with open(os.path.join(str(root), "manifest.json"), "rb") as f:
        manifest = f.read()
    return out, manifest


def referenced_blobs(manifest_bytes):
    """Config and layer digests referenced by an image manifest (OCI or Docker schema2)."""
    m = json.loads(manifest_bytes)
    return [m["config"]["digest"]] + [l["digest"] for l in m.get("layers", [])]
