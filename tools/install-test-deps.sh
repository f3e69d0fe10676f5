#!/usr/bin/env bash
# Installs the Debian packages the test suite reads (run by `./mvnw verify` before the tests, and by .ci/run):
# the ONNX conformance data, the Fashion-MNIST training set and PyTorch for the Python unit tests.
# Does nothing when they are already installed.
set -euo pipefail
packages=(libonnx-testdata dataset-fashion-mnist python3-torch python3-onnx python3-torchvision python3-numpy)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "The tests need these Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing test dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
