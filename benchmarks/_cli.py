"""``--help`` for the benchmark scripts: their docstring and the environment they read."""

import argparse


def parse(doc: str | None, env: dict[str, str], *,
          database_url: bool = False) -> argparse.Namespace:
    epilog = "environment:\n" + "\n".join(f"  {name:<20} {what}" for name, what in env.items())
    parser = argparse.ArgumentParser(description=doc, epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    if database_url:
        parser.add_argument("--database-url", default=None,
                            help="a PostgreSQL server to run on (a scratch database on it)")
    return parser.parse_args()
