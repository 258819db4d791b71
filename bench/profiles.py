"""Read the py-spy profiles that `python -m bench --profile` leaves in bench/out/.

    .venv/bin/python -m bench.profiles bench/out/profile-today-worker*.txt [--top 40]

Each file holds collapsed stacks ("frame;frame;frame count"). Prints the share of samples each
function appears in (inclusive) and the share where it was the running frame (self).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)$")


def read(paths: list[Path]) -> tuple[Counter[str], Counter[str], int]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            samples = int(count)
            total += samples
            frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += samples
            own[frames[-1]] += samples
    return inclusive, own, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    inclusive, own, total = read(args.files)
    if not total:
        print("no samples")
        return
    print(f"{total} samples\n\ninclusive:")
    for frame, samples in inclusive.most_common(args.top):
        print(f"{samples / total:6.1%}  {frame}")
    print("\nself:")
    for frame, samples in own.most_common(args.top // 2):
        print(f"{samples / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()
