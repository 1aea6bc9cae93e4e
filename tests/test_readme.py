"""The Python sessions in README.md run and print what they show."""

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_sessions(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 4
    session = "\n".join(blocks)  # one session: later blocks use names from earlier ones
    monkeypatch.chdir(tmp_path)  # the tour writes circuit.png
    test = doctest.DocTestParser().get_doctest(session, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=len(test.examples))
