"""``--help`` for the benchmark scripts: their docstring and the environment they read."""

import argparse


def parse(doc: str | None, env: dict[str, str]) -> argparse.Namespace:
    epilog = "environment:\n" + "\n".join(f"  {name:<20} {what}" for name, what in env.items())
    parser = argparse.ArgumentParser(description=doc, epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser.parse_args()
