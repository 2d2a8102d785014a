"""A small evaluator of CloudWatch alarm semantics, run on alarms as they are synthesized.

It reads an ``AWS::CloudWatch::Alarm``'s properties (a single metric or a metric math
expression) and replays per-minute metric samples written by a test, returning the alarm's
state transitions. What it models, and where AWS says so:

- Period, statistic, evaluation periods (N) and datapoints to alarm (M): an alarm goes to
  ALARM when at least M of the last N datapoints breach, otherwise OK ("Evaluating an alarm",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).
- An alarm is evaluated every minute, whatever its period: a five-minute alarm looks at
  five-minute windows shifted by one minute each time
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
- Missing data ("Configuring how CloudWatch alarms treat missing data",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
  CloudWatch retrieves more datapoints than N (the evaluation range; its tables show five for
  N = 3, modelled here as N + 2). With at least N real datapoints the most recent N are
  evaluated and the treatment is ignored; with fewer, every real one is kept and the rest are
  filled with the treatment (``breaching`` / ``notBreaching``). ``missing`` and ``ignore`` are
  modelled for the cases the tables settle: no data at all (INSUFFICIENT_DATA / keep the state)
  and enough data; a partial range with them raises, rather than guess.
- Metric math ("Use metric math",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
  arithmetic and comparisons between time series treat a value missing in one of them as 0
  (a timestamp missing in both stays missing); FILL replaces missing values; IF follows the
  documented table (condition missing: dropped; true with the value missing: 0; false with
  the value missing: dropped); MIN/MAX/SUM of an array of series work per timestamp.

Metric samples are per minute: Container Insights, ElastiCache and Langfuse's worker publish
at most once a minute. A sample of ``None`` means nothing was published in that minute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Sample = float | None
Series = list[Sample]
Value = float | Series | list[Series]

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
# The tables of "How alarm state is evaluated when data is missing" retrieve N + 2 datapoints.
EXTRA_DATAPOINTS = 2

STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "Maximum": max,
    "Minimum": min,
    "Sum": sum,
    "Average": lambda values: sum(values) / len(values),
    "SampleCount": lambda values: float(len(values)),
}

# MIN, MAX and SUM of an array of time series: per timestamp, over the values present.
ACROSS: dict[str, Callable[[list[float]], float]] = {
    "MIN": min,
    "MAX": max,
    "SUM": lambda values: float(sum(values)),
}

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


@dataclass(frozen=True)
class MetricQuery:
    """One metric an alarm reads: what, with which statistic, over which period (minutes)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period_minutes: int


@dataclass(frozen=True)
class Alarm:
    """The parts of a synthesized alarm that decide its state."""

    name: str
    metrics: dict[str, MetricQuery]
    expression: str
    period_minutes: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str

    @classmethod
    def from_template(cls, props: Mapping[str, Any]) -> Alarm:
        """Read ``props`` (an alarm's CloudFormation Properties)."""
        if "MetricName" in props:
            query = MetricQuery(
                props["Namespace"],
                props["MetricName"],
                _dimensions(props.get("Dimensions", [])),
                props["Statistic"],
                _minutes(props["Period"]),
            )
            metrics, expression = {"m": query}, "m"
        else:
            metrics = {}
            (returned,) = [m for m in props["Metrics"] if m.get("ReturnData", True)]
            for entry in props["Metrics"]:
                stat = entry.get("MetricStat")
                if stat is None:
                    continue
                metric = stat["Metric"]
                metrics[entry["Id"]] = MetricQuery(
                    metric["Namespace"],
                    metric["MetricName"],
                    _dimensions(metric.get("Dimensions", [])),
                    stat["Stat"],
                    _minutes(stat["Period"]),
                )
            expression = returned.get("Expression", returned["Id"])
        periods = {q.period_minutes for q in metrics.values()}
        assert len(periods) == 1, "every metric of a math alarm has the same period"
        evaluation = int(props["EvaluationPeriods"])
        return cls(
            name=str(props.get("AlarmName", "")),
            metrics=metrics,
            expression=expression,
            period_minutes=periods.pop(),
            evaluation_periods=evaluation,
            datapoints_to_alarm=int(props.get("DatapointsToAlarm", evaluation)),
            threshold=float(props["Threshold"]),
            comparison=props["ComparisonOperator"],
            treat_missing=props.get("TreatMissingData", "missing"),
        )

    @property
    def metric_names(self) -> set[tuple[str, str]]:
        """(namespace, metric name) of every metric read."""
        return {(q.namespace, q.name) for q in self.metrics.values()}


def _minutes(seconds: Any) -> int:
    assert int(seconds) % 60 == 0, "only whole-minute periods are modelled"
    return int(seconds) // 60


def _dimensions(items: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d["Name"], str(d["Value"])) for d in items))


def aggregate(samples: Series, statistic: str, end: int, minutes: int) -> Sample:
    """``statistic`` of the samples of minutes [end - minutes, end), None without any."""
    found = [s for s in samples[max(0, end - minutes) : max(0, end)] if s is not None]
    return STATISTICS[statistic](found) if found else None


# --- metric math --------------------------------------------------------------------------

TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(>=|<=|==|!=|[-+*/()<>,\[\]]))")


def _tokens(text: str) -> list[str]:
    found, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        assert match, f"cannot read {text[position:]!r}"
        found.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    return found


def _pointwise(a: Value, b: Value, op: Callable[[float, float], float]) -> Value:
    """``op`` on two series (a value missing in one is 0) or a series and a scalar."""
    if isinstance(a, float) and isinstance(b, float):
        return op(a, b)
    if isinstance(a, float):
        return [None if y is None else op(a, y) for y in _series(b)]
    if isinstance(b, float):
        return [None if x is None else op(x, b) for x in _series(a)]
    return [
        None if x is None and y is None else op(x or 0.0, y or 0.0)
        for x, y in zip(_series(a), _series(b), strict=True)
    ]


def _series(value: Value) -> Series:
    assert isinstance(value, list) and all(not isinstance(v, list) for v in value)
    return value  # type: ignore[return-value]


OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y if y else float("nan"),
    ">": lambda x, y: float(x > y),
    "<": lambda x, y: float(x < y),
    ">=": lambda x, y: float(x >= y),
    "<=": lambda x, y: float(x <= y),
    "==": lambda x, y: float(x == y),
    "!=": lambda x, y: float(x != y),
}


class _Expression:
    """Recursive-descent evaluation of one metric math expression over aligned series."""

    def __init__(self, text: str, variables: Mapping[str, Series]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.variables = variables
        self.length = len(next(iter(variables.values())))

    def evaluate(self) -> Series:
        value = self._comparison()
        assert self.position == len(self.tokens), f"unread: {self.tokens[self.position :]}"
        if isinstance(value, float):
            return [value] * self.length
        return _series(value)

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self.tokens[self.position]
        assert expected is None or token == expected, f"expected {expected}, got {token}"
        self.position += 1
        return token

    def _comparison(self) -> Value:
        left = self._additive()
        if self._peek() in (">", "<", ">=", "<=", "==", "!="):
            op = OPERATORS[self._take()]
            left = _pointwise(left, self._additive(), op)
        return left

    def _additive(self) -> Value:
        value = self._term()
        while self._peek() in ("+", "-"):
            op = OPERATORS[self._take()]
            value = _pointwise(value, self._term(), op)
        return value

    def _term(self) -> Value:
        value = self._unary()
        while self._peek() in ("*", "/"):
            op = OPERATORS[self._take()]
            value = _pointwise(value, self._unary(), op)
        return value

    def _unary(self) -> Value:
        if self._peek() == "-":
            self._take()
            return _pointwise(-1.0, self._unary(), OPERATORS["*"])
        return self._primary()

    def _primary(self) -> Value:
        token = self._take()
        if token == "(":
            value = self._comparison()
            self._take(")")
            return value
        if token == "[":
            items = [_series(self._comparison())]
            while self._peek() == ",":
                self._take()
                items.append(_series(self._comparison()))
            self._take("]")
            return items
        if token[0].isdigit():
            return float(token)
        if self._peek() == "(":
            self._take("(")
            args = [self._comparison()]
            while self._peek() == ",":
                self._take()
                args.append(self._comparison())
            self._take(")")
            return self._call(token, args)
        return list(self.variables[token])

    def _call(self, name: str, args: list[Value]) -> Value:
        if name == "FILL":
            series, filler = _series(args[0]), args[1]
            assert isinstance(filler, float), "FILL with a scalar is modelled"
            filled: Series = [filler if s is None else s for s in series]
            return filled
        if name == "IF":
            return self._if(args)
        if name in ("MIN", "MAX", "SUM"):
            (array,) = args
            assert isinstance(array, list) and array and isinstance(array[0], list), (
                f"{name} of a single series is a scalar, which an alarm cannot use"
            )
            pick = ACROSS[name]
            columns = zip(*array, strict=True)
            combined: Series = [
                pick(present) if (present := [v for v in column if v is not None]) else None
                for column in columns
            ]
            return combined
        raise AssertionError(f"metric math function {name} is not modelled")

    def _if(self, args: list[Value]) -> Series:
        condition = _series(args[0])
        true_value, false_value = args[1], args[2] if len(args) > 2 else None

        def pick(value: Value | None, index: int, *, when_true: bool) -> Sample:
            if value is None:
                return None
            if isinstance(value, float):
                return value
            found = _series(value)[index]
            return (0.0 if found is None else found) if when_true else found

        return [
            None
            if c is None
            else pick(true_value, i, when_true=True)
            if c != 0
            else pick(false_value, i, when_true=False)
            for i, c in enumerate(condition)
        ]


# --- alarm evaluation ---------------------------------------------------------------------


def datapoints(alarm: Alarm, samples: Mapping[tuple[str, str], Series], now: int) -> Series:
    """The evaluation range at minute ``now``: N + 2 datapoints, oldest first, each over the
    period ending ``k`` periods before ``now``."""
    count = alarm.evaluation_periods + EXTRA_DATAPOINTS
    ends = [now - k * alarm.period_minutes for k in reversed(range(count))]
    variables = {
        id_: [
            aggregate(samples[(q.namespace, q.name)], q.statistic, end, q.period_minutes)
            for end in ends
        ]
        for id_, q in alarm.metrics.items()
    }
    return _Expression(alarm.expression, variables).evaluate()


def next_state(alarm: Alarm, points: Series, current: str) -> str:
    """The alarm's state after one evaluation of ``points`` (oldest first)."""
    breaches = COMPARISONS[alarm.comparison]
    real = [p for p in points if p is not None and p == p]  # NaN: dropped by metric math
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    if len(real) >= n:
        evaluated = [breaches(p, alarm.threshold) for p in real[-n:]]
    elif alarm.treat_missing in ("breaching", "notBreaching"):
        filler = alarm.treat_missing == "breaching"
        evaluated = [breaches(p, alarm.threshold) for p in real] + [filler] * (n - len(real))
    elif not real:
        return INSUFFICIENT if alarm.treat_missing == "missing" else current
    else:
        raise AssertionError(
            f"{alarm.name}: a partly missing range with TreatMissingData "
            f"{alarm.treat_missing} is not modelled"
        )
    return ALARM if sum(evaluated) >= m else OK


def run(
    alarm: Alarm, samples: Mapping[tuple[str, str], Series], start: str = INSUFFICIENT
) -> list[tuple[int, str]]:
    """Evaluate ``alarm`` once a minute over ``samples`` (one list per metric it reads, all of
    the same length); the state transitions as (minute, new state)."""
    missing = alarm.metric_names - set(samples)
    assert not missing, f"{alarm.name} reads {missing}, which the scenario does not give"
    (length,) = {len(samples[key]) for key in alarm.metric_names}
    state, transitions = start, []
    for now in range(1, length + 1):
        new = next_state(alarm, datapoints(alarm, samples, now), state)
        if new != state:
            transitions.append((now, new))
            state = new
    return transitions


def states(transitions: list[tuple[int, str]]) -> list[str]:
    """Just the states entered, in order."""
    return [state for _, state in transitions]
