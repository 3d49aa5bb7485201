# SPDX-License-Identifier: LGPL-2.1-or-later
"""Allowed differences, grouped by reason.

A file of [reason] headings, each followed by rows "CASE FACT" where '*'
stands for any text: -FACT only the reference has it, +FACT only we do,
~NAME a pseudo-fact of the test (conformance's ~host-model). Each reason
must be a heading of docs/differences-from-libvirt.md, which explains it.
"""
import domcaps_diff


class AllowList:
    def __init__(self, path, docs):
        self.rows, reason = {}, None
        with open(path) as f:
            for number, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                if line.startswith("[") and line.endswith("]"):
                    reason = line[1:-1]
                    continue
                if reason is None:
                    raise ValueError(f"{path}:{number}: a row before any [reason]")
                case, fact = line.split(None, 1)
                self.rows[(case, fact)] = (domcaps_diff.glob(case), domcaps_diff.glob(fact),
                                           reason)
        with open(docs) as f:
            headings = {line.lstrip("#").strip() for line in f if line.startswith("#")}
        self.headings = headings
        self.undocumented = sorted({r for _, _, r in self.rows.values()} - headings)
        self.seen = {}   # row -> the cases where it allowed something

    def covering(self, case, fact):
        """The row that allows @fact in @case (remembered as seen), or None."""
        for row, (case_re, fact_re, _) in self.rows.items():
            if case_re.match(case) and fact_re.match(fact):
                self.seen.setdefault(row, set()).add(case)
                return row
        return None

    def reason(self, row):
        return self.rows[row][2]

    def unseen(self):
        return sorted(set(self.rows) - set(self.seen))

    def unseen_among(self, cases):
        """The unseen rows whose case pattern matches one of @cases (a row
        for cases that did not run cannot be seen)."""
        return [row for row in self.unseen()
                if any(self.rows[row][0].match(case) for case in cases)]

    def coverage(self):
        """(row, sorted cases it allowed something in), for every row."""
        return [(row, sorted(self.seen.get(row, ()))) for row in self.rows]
