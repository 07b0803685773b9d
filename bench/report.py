"""The results table: rows of samples, medians, ratios and targets; the machine description;
printing it and writing it into docs/PERFORMANCE.md between the bench markers."""
import os
import platform
import re
import statistics
import subprocess
import time

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


class Row:
    """One measurement: samples per server, which direction is better, and a target check.

    target: text shown in the table; check(w, d) -> True/False/None (None: no verdict)."""

    def __init__(self, name, unit, higher_better, target="", check=None, digits=None, agg="median"):
        self.name, self.unit, self.higher = name, unit, higher_better
        self.target, self.check = target, check
        self.digits = digits
        self.agg = agg  # "median", or "max" where the worst round is what matters
        self.wharf, self.dist = [], []
        self.note = ""

    @staticmethod
    def median(xs):
        return statistics.median(xs) if xs else None

    def _agg(self, xs):
        if not xs:
            return None
        return max(xs) if self.agg == "max" else statistics.median(xs)

    @property
    def w(self):
        return self._agg(self.wharf)

    @property
    def d(self):
        return self._agg(self.dist)

    def ratio(self):
        """How many times better wharf is (> 1: wharf better), by the row's direction."""
        w, d = self.w, self.d
        if w is None or d is None or w == 0 or d == 0:
            return None
        return w / d if self.higher else d / w

    def verdict(self):
        if self.check is None or self.w is None:
            return ""
        ok = self.check(self)
        return "" if ok is None else ("met" if ok else "**not met**")


def fmt(x, digits=None):
    if x is None:
        return "—"
    if digits is None:
        digits = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else 2)
    return f"{x:,.{digits}f}"


def table(rows):
    """A Markdown table of the rows' medians."""
    out = ["| measurement | unit | wharf | Distribution | ratio (× better) | target | verdict |",
           "|---|---|--:|--:|--:|---|---|"]
    for r in rows:
        ratio = r.ratio()
        unit = r.unit + (" ↑" if r.higher else " ↓") + (" (max)" if r.agg == "max" else "")
        out.append(f"| {r.name} | {unit} | {fmt(r.w, r.digits)} | {fmt(r.d, r.digits)} | "
                   f"{fmt(ratio, 2) + '×' if ratio else '—'} | {r.target} | {r.verdict()} |")
    return "\n".join(out)


def _cmd(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine(wharf_bin, build_type, load_start):
    """Lines describing the machine and the versions, for the report."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    dpkg = lambda p: _cmd(["dpkg-query", "-W", "-f=${Version}", p])  # noqa: E731
    here = os.path.dirname(os.path.abspath(__file__))
    src = _cmd(["git", "-C", here, "describe", "--always", "--dirty"])
    built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(wharf_bin)))
    return [
        f"- CPU: {cpu}, nproc {os.cpu_count()}; memory {mem}; kernel {platform.release()}",
        f"- wharf: `{_cmd([wharf_bin, 'version'])}`, CMake build type {build_type}, source {src}, "
        f"binary built {built}",
        f"- Distribution: docker-registry {dpkg('docker-registry')} (Debian)",
        f"- clients: wrk {dpkg('wrk')}, skopeo {dpkg('skopeo')}, {_cmd(['openssl', 'version'])}, "
        f"Python {platform.python_version()}",
        f"- run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1, 5, 15 min)"
        f" at the start {load_start}, at the end {loadavg()} — other work on the machine "
        "shows up here and in the numbers",
    ]


def render(rows, baselines, notes, machine_lines, scale, scale_desc, rounds):
    """The generated section: machine, scale, the table, baselines and notes."""
    parts = [f"Scale **{scale}** ({scale_desc}); each number is the median of {rounds} rounds "
             "run A B A B (wharf, then Distribution).", "", *machine_lines, "",
             table(rows), "", "Baselines measured in the same run:", ""]
    parts += [f"- {b}" for b in baselines]
    if notes:
        parts += ["", "Run notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(parts)


def write_doc(path, section):
    """Replace the text between the bench markers in path (create the file if needed)."""
    if os.path.exists(path):
        with open(path) as f:
            doc = f.read()
    else:
        doc = f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in doc or END not in doc:
        doc = doc.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    pat = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    doc = pat.sub(lambda _: f"{BEGIN}\n{section}\n{END}", doc, count=1)
    with open(path, "w") as f:
        f.write(doc)
