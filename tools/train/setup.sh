#!/bin/sh
# Installs what tools/train needs (Debian 12). Idempotent: apt-get install of installed packages is a no-op.
# libopenblas0-serial is optional but makes PyTorch's GEMMs ~15x faster than the reference BLAS
# (the training results do not depend on it beyond float rounding).
set -e
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO apt-get install -y dataset-fashion-mnist python3-torch python3-onnx python3-torchvision python3-numpy
$SUDO apt-get install -y libopenblas0-serial || echo "libopenblas0-serial not installed (optional)"
/usr/bin/python3 -c "import torch, onnx, torchvision; print('torch', torch.__version__, 'onnx', onnx.__version__)"
ls /usr/share/datasets/fashion-mnist/
