"""Parse time per document with the Python `mrz` package (PyPI), on the same
inputs as `benches/mrz.rs`. Prints one line per kind: name and ns per parse."""
import pathlib
import timeit

from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker

CHECKERS = {"TD1": TD1CodeChecker, "TD2": TD2CodeChecker, "TD3": TD3CodeChecker}
docs = pathlib.Path(__file__).with_name("mrz_docs.txt").read_text().split("\n\n")
for d in docs:
    if not d.strip():
        continue
    name, body = d.split("\n", 1)
    name = name.removeprefix("# ").strip()
    body = body.strip()
    checker = CHECKERS[name]
    assert checker(body), f"{name}: the Python checker rejects the sample"
    n = 2000
    t = timeit.timeit(lambda: checker(body).fields(), number=n)
    print(f"{name} {t / n * 1e9:.0f}")
