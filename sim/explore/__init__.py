"""Property-based exploration: fault schedules as Hypothesis data, the search and its shrinking.

May import ``sim.parallel``, and ``sim.run`` and everything below it. The
search needs Hypothesis, which the ``explore`` extra installs; this
package's own name imports nothing.
"""
from pathlib import Path

#: Where failing examples are kept between searches, to be replayed first.
DEFAULT_DATABASE = Path(".chaosbench/hypothesis")
