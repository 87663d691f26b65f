"""Progress bar (docs/s and words/s) and the end-of-run summary, shared by both engines."""

import sys
import time
from typing import Any, Dict, Optional


class Progress:
    """A tqdm bar over input records that also shows words per second.

    total (Optional[int]): number of input records, if known.
    show (bool): draw the bar (on stderr).
    """

    def __init__(self, total: Optional[int], show: bool = True):
        from tqdm import tqdm

        self.start = time.perf_counter()
        self.docs = self.words = self.errors = self.skipped = 0
        self.first_result: Optional[float] = None
        self.bar = tqdm(total=total, unit="doc", disable=not show, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)

    def skip(self, n_records: int) -> None:
        """Count records of a shard finished by an earlier run."""
        self.skipped += n_records
        self.bar.update(n_records)

    def advance(self, n_items: int) -> None:
        """Count input lines that are not records (blank lines)."""
        if n_items:
            self.bar.update(n_items)

    def update(self, n_docs: int, n_words: int, n_errors: int) -> None:
        """Count records handled by this run."""
        if self.first_result is None and (n_docs or n_words):
            # Start-up cost (loading pipelines, starting Ray) shows as the first delay.
            self.first_result = time.perf_counter() - self.start
        self.docs += n_docs
        self.words += n_words
        self.errors += n_errors
        self.bar.update(n_docs + n_errors)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.bar.set_postfix(words_s=f"{self.words / elapsed:,.0f}", errors=self.errors, refresh=False)

    def close(self) -> Dict[str, Any]:
        """Stop the bar and return this run's figures."""
        self.bar.close()
        seconds = time.perf_counter() - self.start
        return {
            "docs": self.docs,
            "words": self.words,
            "errors": self.errors,
            "skipped_records": self.skipped,
            "seconds": round(seconds, 3),
            "first_result_s": round(self.first_result, 3) if self.first_result is not None else None,
            "docs_per_s": round(self.docs / seconds, 1) if seconds else 0.0,
            "words_per_s": round(self.words / seconds, 1) if seconds else 0.0,
        }


def print_summary(summary: Dict[str, Any]) -> None:
    """Print the summary of a finished run."""
    from wasabi import msg

    msg.good(
        f"Annotated {summary['docs']:,} docs ({summary['words']:,} words) in "
        f"{summary['seconds']:.1f}s: {summary['docs_per_s']:,.1f} docs/s, "
        f"{summary['words_per_s']:,.1f} words/s"
    )
    if summary["skipped_records"]:
        msg.info(f"Skipped {summary['skipped_records']:,} records of shards finished " "by an earlier run")
    total = summary["total_errors"]
    (msg.warn if total else msg.info)(
        f"Output: {summary['total_docs']:,} docs in {summary['total_shards']} shards, "
        f"{total:,} errors in {summary['output']}/errors.jsonl"
    )
