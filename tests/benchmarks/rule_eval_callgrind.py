#!/usr/bin/env python3
"""Instructions and string comparisons per evaluation of the rule benchmark, counted by callgrind.

Runs each case of rightmoment-rule-eval-bench under valgrind --tool=callgrind, collecting only inside
RuleSet::evaluate_event, and prints per evaluation: the instructions executed (Ir), the calls to
functions that compare or hash strings (memcmp, bcmp, strcmp, std::string::compare, std::hash of a
string, UtteranceSignals::find), and who made them. Instruction counts do not depend on the load of
the machine, so they can be compared from one build to the next.

  python3 tests/benchmarks/rule_eval_callgrind.py build/tests/benchmarks/rightmoment-rule-eval-bench
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

EVALUATE = re.compile(r"RuleSet::evaluate_event\(")
STRING_COMPARE = re.compile(
    r"memcmp|bcmp|strcmp|strncmp|strcasecmp|basic_string<[^>]*>[^(]*::compare\(|_Hash_bytes|"
    r"UtteranceSignals::find|UtteranceSignals::has")


def parse(path):
    """Total Ir, calls per (caller, callee) and self Ir per function, from a callgrind output file."""
    names = {}
    calls = collections.Counter()
    self_ir = collections.Counter()
    total = 0
    fn = cfn = None
    after_calls = False

    def name(spec):
        m = re.match(r"\((\d+)\)(?: (.*))?", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), spec)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("fn="):
                fn = name(line[3:])
            elif line.startswith("cfn="):
                cfn = name(line[4:])
            elif line.startswith("calls="):
                calls[(fn, cfn)] += int(line[6:].split()[0])
                after_calls = True
            elif line.startswith(("totals:", "summary:")):
                total = int(line.split()[1])
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                parts = line.split()
                if len(parts) >= 2 and not after_calls:
                    self_ir[fn] += int(parts[1])
                after_calls = False
    return total, calls, self_ir


def measure(bench, case, keep):
    out = os.path.join(keep, f"callgrind.rule-eval.{case}")
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
         "--toggle-collect=*RuleSet::evaluate_event*", bench,
         f"--benchmark_filter=BM_RuleEvaluationOneEvent/{case}$", "--benchmark_min_time=0.05"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total, calls, self_ir = parse(out)
    evaluations = sum(n for (caller, callee), n in calls.items() if callee and EVALUATE.search(callee)
                      and not (caller and EVALUATE.search(caller)))
    compares = collections.Counter()
    for (caller, callee), n in calls.items():
        if callee and STRING_COMPARE.search(callee) and not (caller and STRING_COMPARE.search(caller)):
            compares[caller] += n
    compare_ir = sum(ir for f, ir in self_ir.items() if f and STRING_COMPARE.search(f))
    return total, evaluations, compares, compare_ir, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", help="path of rightmoment-rule-eval-bench")
    ap.add_argument("--cases", default="0,1,2,3")
    ap.add_argument("--keep", help="folder for the callgrind files (default: a temporary one)")
    args = ap.parse_args()
    keep = args.keep or tempfile.mkdtemp(prefix="rule-eval-callgrind.")
    for case in args.cases.split(","):
        total, evaluations, compares, compare_ir, out = measure(args.bench, case, keep)
        if not evaluations:
            sys.exit(f"case {case}: no call of evaluate_event in {out}")
        n = sum(compares.values())
        print(f"case {case}: {total / evaluations:,.0f} Ir per evaluation ({evaluations} evaluations); "
              f"string comparisons per evaluation: {n / evaluations:.2f} calls, {compare_ir / evaluations:,.0f} Ir")
        for caller, k in compares.most_common():
            print(f"    {k / evaluations:8.2f}  from {caller}")
    print(f"callgrind files: {keep}")


if __name__ == "__main__":
    main()
