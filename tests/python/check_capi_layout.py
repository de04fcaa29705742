"""check_capi_layout.py: the Python binding's ctypes mirrors
(python/sluice/_capi.py) against the C structs they mirror.

The binding passes ctypes.sizeof(mirror) as each struct's `size`, and the
library fills only that much (docs/api.md: sized structs), so a mirror may
be a prefix of its C struct, but every field it declares must sit where the
C field is and have its size. A field the C header moved, or one appended
in C before a field the mirror already had, would otherwise be read from
the wrong bytes without any error (it happened once: learned_* were
appended to sluice_status without the mirror).

usage: check_capi_layout.py INCLUDE_DIR... -- OUT_DIR
Compiles a C program printing each mirrored field's offset and size with
`cc`, runs it, and compares. Prints "capi layout ok" and exits 0, or names
every mismatch and exits 1."""
import ctypes
import os
import re
import subprocess
import sys

from sluice import _capi


def c_name(cls):
    # JobOpts -> sluice_job_opts
    return "sluice_" + re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def mirrors():
    # a set: a class may be bound to more than one name
    return {v for v in vars(_capi).values()
            if isinstance(v, type) and issubclass(v, ctypes.Structure)
            and v is not ctypes.Structure}


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    includes, out = args[:sep], args[sep + 1]
    classes = sorted(mirrors(), key=lambda c: c.__name__)
    assert classes, "no mirror found in _capi"
    lines = ['#include <stddef.h>', '#include <stdio.h>',
             '#include "sluice/sluice.h"', 'int main(void) {']
    for cls in classes:
        s = c_name(cls)
        lines.append(f'printf("{s} sizeof %zu\\n", sizeof(struct {s}));')
        for name, _ in cls._fields_:
            lines.append(
                f'printf("{s} {name} %zu %zu\\n", offsetof(struct {s}, {name}),'
                f' sizeof(((struct {s} *)0)->{name}));')
    lines += ["return 0;", "}"]
    src = os.path.join(out, "capi_layout.c")
    exe = os.path.join(out, "capi_layout")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    cc = subprocess.run(["cc", "-std=c17", "-Wall", "-Werror"] +
                        [f"-I{d}" for d in includes] + [src, "-o", exe],
                        capture_output=True, text=True)
    if cc.returncode != 0:
        # A mirrored field the C struct does not have fails here.
        print(cc.stderr)
        print("capi layout: the mirrors name fields C does not have")
        return 1
    c = {}
    for line in subprocess.run([exe], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        parts = line.split()
        c[(parts[0], parts[1])] = tuple(int(x) for x in parts[2:])
    bad = []
    for cls in classes:
        s = c_name(cls)
        (c_size,) = c[(s, "sizeof")]
        if ctypes.sizeof(cls) > c_size:
            bad.append(f"{cls.__name__}: {ctypes.sizeof(cls)} bytes, "
                       f"struct {s} only {c_size}")
        for name, _ in cls._fields_:
            f = getattr(cls, name)
            if (f.offset, f.size) != c[(s, name)]:
                bad.append(f"{cls.__name__}.{name}: offset {f.offset} size "
                           f"{f.size}, C has offset {c[(s, name)][0]} size "
                           f"{c[(s, name)][1]}")
    for b in bad:
        print("capi layout:", b)
    if bad:
        return 1
    n = sum(len(cls._fields_) for cls in classes)
    print(f"capi layout ok: {len(classes)} structs, {n} fields")
    return 0


if __name__ == "__main__":
    sys.exit(main())
