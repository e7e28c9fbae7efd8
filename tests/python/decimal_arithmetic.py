"""Python's own Decimal results, for PyDecimal to match (tests/tests/python_decimal.rs).

usage:
  python decimal_arithmetic.py
      prints, as JSON, what Python's decimal module computes in its default context for a fixed
      list of operand texts. Each result is str(Decimal), True/False for comparisons, or
      {"error": "<the exception's class>"} where Python raises:
        "texts":    [[text, str(Decimal(text))]]            texts in many spellings
        "unary":    [[a, str(Decimal(a)), -a, abs(a)]]      for every operand
        "pairs":    [[a, b, a + b, a - b, a * b, a == b, a < b]] for every pair of operands,
                    then for pairs of random operands (seeded, so always the same)
        "sums":     [[[a, ...], sum(...)]]
        "quantize": [[a, exp, a.quantize(exp)]], then random ones
"""

import decimal
import json
import random
from decimal import Decimal

# The default context, which PyDecimal follows.
CONTEXT = decimal.getcontext()
assert CONTEXT.prec == 28 and CONTEXT.rounding == decimal.ROUND_HALF_EVEN
assert (CONTEXT.Emin, CONTEXT.Emax, CONTEXT.clamp) == (-999999, 999999, 0)
assert CONTEXT.traps[decimal.Overflow] and CONTEXT.traps[decimal.InvalidOperation]
assert not CONTEXT.traps[decimal.Underflow]

OPERANDS = [
    "0",
    "-0",
    "0.00",
    "-0.00",
    "0E-8",
    "0E+3",
    "1",
    "-1",
    "1.0",
    "-1.0",
    "4.20",
    "-7.25",
    "1E+3",
    "-1E+3",
    "0.1",
    "1E-7",
    "0.000001",
    "2.5",
    "-3.5",
    "1.05",
    "0.005",
    "0.5",
    "-0.5",
    "123456789012345678901234567890",
    "9999999999999999999999999999",
    "1234567890123456789012345678",
    "1234567890123456789012345679",
    "1.000000000000000000000000001",
    "1.0000000000000000000000000015",
    "5E-28",
    "5E-30",
    "1E+28",
    "9.999999999999999999999999999E+999999",
    "1E-999999",
]

TEXTS = [
    " 7 ",
    "+5",
    ".5",
    "5.",
    "1e3",
    "12.5e2",
    "0001.50",
    "-0.0000001",
    "0.0000001234",
    "1_000.5_0",
    "-0E-0",
    "+0.000E+5",
    "1E+1000000",
    "123456789012345678901234567890.123456789",
]

QUANTIZE = [
    ("2.675", "0.01"),
    ("2.665", "0.01"),
    ("-2.665", "0.01"),
    ("1", "0.01"),
    ("4.20", "1E-8"),
    ("1E+3", "1"),
    ("1E+3", "1E+2"),
    ("123.456", "1E+2"),
    ("-0.001", "0.01"),
    ("-0", "0.001"),
    ("0E-8", "1E+3"),
    ("9.995", "0.01"),
    ("0.5", "1"),
    ("1.5", "1"),
    ("-2.5", "1"),
    ("1E+30", "0.1"),
    ("9999999999999999999999999999.5", "1"),
    ("1", "1E+1000000"),
    ("1", "1E-1000027"),
]

SUMS = [
    ["4.20"],
    ["4.20", "0E-8"],
    ["1E+3"],
    ["-0"],
    ["-0", "-0.00"],
    [],
    OPERANDS[:-2],
    OPERANDS,
]


def random_text(rng):
    """A random decimal: up to 40 digits, often 27 to 30 (rounding at the 28th), often ending
    in 5 (ties), with exponents near 0, near the context's limits, or between."""
    length = rng.choice([1, 1, 2, 3, 5, 8, 13, 21, 27, 28, 28, 29, 29, 30, 40])
    if rng.random() < 0.1:
        coefficient = "0" * rng.randint(1, 3)
    else:
        coefficient = str(rng.randrange(10 ** (length - 1), 10**length))
        if rng.random() < 0.3:
            coefficient = coefficient[:-1] + "5"
    exponent = rng.choice(
        [
            rng.randint(-12, 12),
            rng.randint(-12, 12),
            rng.randint(-45, 45),
            rng.randint(-1000040, -999990),
            rng.randint(999960, 1000005),
        ]
    )
    return f"{rng.choice(['', '-'])}{coefficient}E{exponent:+d}"


# Exact arithmetic, to make operands (not results) with.
EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def unit(text):
    """One unit in the last place of the number `text`."""
    return Decimal(f"1E{Decimal(text).as_tuple().exponent}")


def pair_results(a_text, b_text):
    a, b = Decimal(a_text), Decimal(b_text)
    return [
        a_text,
        b_text,
        outcome(lambda: a + b),
        outcome(lambda: a - b),
        outcome(lambda: a * b),
        a == b,
        a < b,
    ]


def outcome(compute):
    try:
        result = compute()
    except decimal.DecimalException as error:
        return {"error": type(error).__name__}
    return result if isinstance(result, bool) else str(result)


def main():
    numbers = [Decimal(text) for text in OPERANDS]
    rng = random.Random(22)
    random_pairs = [(random_text(rng), random_text(rng)) for _ in range(3000)]
    # Numbers one unit apart (in the last place of the first), which cancel when subtracted.
    random_pairs += [(a, str(EXACT.add(Decimal(a), unit(a)))) for a, _ in random_pairs[:300]]
    random_quantize = [(random_text(rng), f"1E{rng.randint(-35, 12):+d}") for _ in range(1000)]
    out = {
        "texts": [[text, outcome(lambda: Decimal(text))] for text in TEXTS],
        "unary": [
            [text, str(a), outcome(lambda: -a), outcome(lambda: abs(a))]
            for text, a in zip(OPERANDS, numbers)
        ],
        "pairs": [pair_results(a, b) for a in OPERANDS for b in OPERANDS]
        + [pair_results(a, b) for a, b in random_pairs],
        "sums": [[texts, outcome(lambda: sum(Decimal(t) for t in texts))] for texts in SUMS],
        "quantize": [
            [a, exp, outcome(lambda: Decimal(a).quantize(Decimal(exp)))] for a, exp in QUANTIZE + random_quantize
        ],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
