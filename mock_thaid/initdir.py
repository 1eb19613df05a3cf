"""`mock-thaid init DIR`: editable copies of the shipped citizens, clients and scenarios, for a
team to customise and point the mock at (``--citizens-file DIR/citizens.yaml`` …)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import thaid_sandbox_data


def init_dir(target: str | Path, *, force: bool = False, out=sys.stdout) -> int:
    dest = Path(target)
    copies: list[tuple[Path, Path]] = []
    for name in thaid_sandbox_data.EDITABLE:
        src = thaid_sandbox_data.path(name)
        if src.is_dir():
            copies += [(f, dest / name / f.name) for f in sorted(src.iterdir()) if f.is_file()]
        else:
            copies.append((src, dest / name))
    clash = [d for _, d in copies if d.exists()]
    if clash and not force:
        print(f"mock-thaid: {len(clash)} files exist already, e.g. {clash[0]}; nothing written "
              "(--force overwrites) / มีไฟล์อยู่แล้ว ไม่ได้เขียนทับ", file=sys.stderr)
        return 1
    for src, dst in copies:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    d = dest.resolve()
    print(f"wrote {len(copies)} files to {d}\n"
          f"use them with:\n"
          f"  mock-thaid serve --citizens-file {d / 'citizens.yaml'} --clients-file {d / 'clients.yaml'}\n"
          f"  mock-thaid scenario run {d / 'scenarios'} --mock http://127.0.0.1:8000", file=out)
    return 0
