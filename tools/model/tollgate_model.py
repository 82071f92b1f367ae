#!/usr/bin/env python3
"""Independent reference model of the Tollgate billing contract (/work/shared/SEMANTICS.md).

Standard library only. Written from the contract, not from the Swift engine, so that a differential test
(tools/difftest) can find where the engine disagrees with the contract.

Use as a library:

    m = Model(config_enforcement=False)
    for line in open(path, 'rb').read().split(b'\\n'): result = m.apply_line(line)
    m.balances(); m.settings(); m.state(user, at_ms); m.record_count

or from the command line:

    tollgate_model.py apply [--enforcement true|false] FILE          # one result per line, like `tollgate apply`
    tollgate_model.py apply FILE --balances --settings --state USER[,TIME] ...

Every interpretation the contract leaves open is marked `INTERPRETATION` here and listed in
docs/reference-model.md.
"""

from __future__ import annotations

import json
import re
import sys

# --------------------------------------------------------------------------------------------------------------
# Units and input grammar ("Units, identifiers, time"; "Edge cases, settled / Input grammar")

MC_PER_CREDIT = 1000
MC_MAX = 9_000_000_000_000_000  # ±9e15 mc exactly is allowed
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
ADMIN_GRANT_MAX = 10_000 * MC_PER_CREDIT
MODULE_RULES_MAX_BYTES = 16 * 1024
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

ID_RE = re.compile(r'[A-Za-z0-9._:@\-]{1,128}')  # ASCII only, so chars == bytes
NUM_RE = re.compile(r'(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?')
TS_RE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?Z')

OPS = ('grant', 'debit', 'refund', 'set_flag', 'clear_flag', 'define_plan', 'subscribe', 'set_override',
       'clear_override', 'consume', 'suspend', 'reinstate', 'set_user_limits')

FIELDS = {
    'grant': {'user_id', 'amount', 'source', 'initiated_by', 'reason', 'idempotency_key', 'at'},
    'debit': {'user_id', 'amount', 'session_id', 'request_id', 'idempotency_key', 'at'},
    'refund': {'user_id', 'debit_seq', 'amount', 'initiated_by', 'reason', 'at'},
    'set_flag': {'flag', 'value', 'initiated_by', 'at'},
    'clear_flag': {'flag', 'initiated_by', 'at'},
    'define_plan': {'plan_id', 'entitlements', 'usage_keys', 'enforcement_enabled', 'enforcement_grace_count',
                    'thresholds', 'module_rules', 'initiated_by', 'at'},
    'subscribe': {'user_id', 'plan_id', 'initiated_by', 'at'},
    'set_override': {'user_id', 'entitlement_key', 'value', 'expires_at', 'initiated_by', 'at'},
    'clear_override': {'user_id', 'entitlement_key', 'initiated_by', 'at'},
    'consume': {'user_id', 'entitlement_key', 'quantity', 'idempotency_key', 'at'},
    'suspend': {'user_id', 'initiated_by', 'reason', 'at'},
    'reinstate': {'user_id', 'initiated_by', 'reason', 'at'},
    'set_user_limits': {'user_id', 'single_request_cap', 'daily_cap', 'session_cap', 'initiated_by', 'at'},
}

FLAG_DEFAULTS = {
    'credit_enforcement_enabled': None,  # from config
    'shadow_billing_enabled': False,
    'billing_charging_enabled': True,
    'billing_rollout_percentage': 100,
    'billing_allowlist': (),
    'low_balance_threshold': 0,
    'single_request_cap': 50 * MC_PER_CREDIT,
    'daily_cap': 500 * MC_PER_CREDIT,
    'session_cap': 100 * MC_PER_CREDIT,
    'anomaly_circuit_breaker_enabled': False,
}
BOOL_FLAGS = {'credit_enforcement_enabled', 'shadow_billing_enabled', 'billing_charging_enabled',
              'anomaly_circuit_breaker_enabled'}
CAP_FLAGS = ('single_request_cap', 'daily_cap', 'session_cap')
THRESHOLD_DEFAULTS = {'warn_pct': 80, 'hard_pct': 100, 'grace_hours': 48, 'overage_buffer_pct': 0}
GRANT_SOURCES = ('admin', 'purchase', 'promo', 'adjustment')
INSUFFICIENT_MESSAGE = 'Insufficient credits. Please top up your account.'


# module_rules may nest up to ~8,000 levels within its 16 KiB bound; the default limit (1,000) would reject that
sys.setrecursionlimit(max(sys.getrecursionlimit(), 25000))


class Invalid(Exception):
    """Bad input: the `invalid` result, appends nothing."""


class JNum:
    """A JSON number literal kept as its exact text (never a binary float)."""
    __slots__ = ('text',)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return 'JNum(%s)' % self.text


def _reject_constant(name):
    raise ValueError('non-JSON constant %s' % name)


def _pairs_no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError('duplicate key %r' % key)
        obj[key] = value
    return obj


def parse_json_line(raw: bytes):
    """Strict JSON: UTF-8, no duplicate keys at any level, no NaN/Infinity, numbers kept exact."""
    text = raw.decode('utf-8')  # UnicodeDecodeError for invalid UTF-8
    return json.loads(text, object_pairs_hook=_pairs_no_duplicates, parse_float=JNum, parse_int=JNum,
                      parse_constant=_reject_constant)


def scaled_integer(text: str, scale: int):
    """Exact value of a JSON number literal × 10**scale as an int; None if not whole; 'big' if enormous."""
    m = NUM_RE.fullmatch(text)
    if m is None:
        return None
    sign, ipart, frac, exp = m.group(1), m.group(2), m.group(3) or '', m.group(4)
    digits = (ipart + frac).lstrip('0')
    if not digits:
        return 0  # a zero is 0 whatever its exponent (0e400)
    try:
        e = (int(exp) if exp else 0) - len(frac) + scale
    except ValueError:  # an exponent with thousands of digits
        return 'big'
    stripped = digits.rstrip('0')
    e += len(digits) - len(stripped)
    if e < 0:
        return None
    if len(stripped) + e > 40:
        return 'big'
    value = int(stripped) * 10**e
    return -value if sign else value


def parse_amount(v, field: str, minimum=None, positive=False) -> int:
    if isinstance(v, JNum):
        text = v.text
    elif isinstance(v, str):
        text = v
        if NUM_RE.fullmatch(text) is None:
            raise Invalid('%s: not a JSON number literal' % field)
    else:
        raise Invalid('%s: must be a number or a string' % field)
    mc = scaled_integer(text, 3)
    if mc is None:
        raise Invalid('%s: not a whole number of millicredits' % field)
    if mc == 'big' or abs(mc) > MC_MAX:
        raise Invalid('%s: out of range' % field)
    if positive and mc <= 0:
        raise Invalid('%s: must be > 0' % field)
    if minimum is not None and mc < minimum:
        raise Invalid('%s: must be >= %s' % (field, minimum))
    return mc


def parse_int(v, field: str, lo=INT64_MIN, hi=INT64_MAX) -> int:
    if not isinstance(v, JNum):
        raise Invalid('%s: must be a JSON number' % field)
    n = scaled_integer(v.text, 0)
    if n is None or n == 'big' or not (INT64_MIN <= n <= INT64_MAX):
        raise Invalid('%s: must be a whole number fitting Int64' % field)
    if not (lo <= n <= hi):
        raise Invalid('%s: out of range' % field)
    return n


def parse_id(v, field: str) -> str:
    if not isinstance(v, str) or ID_RE.fullmatch(v) is None:
        raise Invalid('%s: must be 1-128 bytes of [A-Za-z0-9._:@-]' % field)
    return v


def parse_bool(v, field: str) -> bool:
    if not isinstance(v, bool):
        raise Invalid('%s: must be a boolean' % field)
    return v


def parse_str(v, field: str) -> str:
    if not isinstance(v, str):
        raise Invalid('%s: must be a string' % field)
    return v


def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def parse_ts_text(s: str) -> int:
    """`YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z`, a real calendar instant → milliseconds since the epoch."""
    m = TS_RE.fullmatch(s)
    if m is None:
        raise Invalid('timestamp: bad format')
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups()[:6])
    frac = m.group(7)
    if not (1 <= mo <= 12) or not (1 <= d <= _days_in_month(y, mo)) or hh > 23 or mi > 59 or ss > 59:
        raise Invalid('timestamp: not a calendar instant')
    ms = int((frac + '00')[:3]) if frac else 0
    return ((days_from_civil(y, mo, d) * 24 + hh) * 60 + mi) * 60000 + ss * 1000 + ms


def parse_ts(v, field: str) -> int:
    if not isinstance(v, str):
        raise Invalid('%s: must be a timestamp string' % field)
    try:
        return parse_ts_text(v)
    except Invalid as e:
        raise Invalid('%s: %s' % (field, e))


def fmt_ts(ms: int) -> str:
    days, rem = divmod(ms, DAY_MS)
    y, m, d = civil_from_days(days)
    hh, rem = divmod(rem, HOUR_MS)
    mi, rem = divmod(rem, 60000)
    ss, milli = divmod(rem, 1000)
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (y, m, d, hh, mi, ss, milli)


def fmt_amount(mc: int) -> str:
    sign = '-' if mc < 0 else ''
    whole, frac = divmod(abs(mc), 1000)
    return '%s%d.%03d' % (sign, whole, frac)


def fnv1a64(data: bytes) -> int:
    h = 14695981039346656037
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def compact_json(v) -> str:
    """Compact JSON text of a parsed value, numbers as given (for the module_rules size bound)."""
    if isinstance(v, dict):
        return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + compact_json(x) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ','.join(compact_json(x) for x in v) + ']'
    if isinstance(v, JNum):
        return v.text
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    return json.dumps(v, ensure_ascii=False)


# --------------------------------------------------------------------------------------------------------------
# Command parsing: a JSON object → a plain dict of validated values (absent optional fields are None)

def _get(obj, name):
    """`null` for an optional field means absent."""
    return obj.get(name)


def _req(obj, name, conv, *args, **kw):
    v = obj.get(name)
    if v is None:
        raise Invalid('%s is required' % name)
    return conv(v, name, *args, **kw)


def _opt(obj, name, conv, *args, default=None, **kw):
    v = obj.get(name)
    if v is None:
        return default
    return conv(v, name, *args, **kw)


def parse_command(obj) -> dict:
    if not isinstance(obj, dict):
        raise Invalid('a command must be a JSON object')
    op = obj.get('op')
    if not isinstance(op, str) or op not in FIELDS:
        raise Invalid('unknown or missing op')
    allowed = FIELDS[op] | {'op'}
    for k in obj:
        if k not in allowed:
            raise Invalid('unknown field %s' % k)
    c = {'op': op, 'at': _opt(obj, 'at', parse_ts)}
    if op == 'grant':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['amount'] = _req(obj, 'amount', parse_amount, positive=True)
        src = _opt(obj, 'source', parse_str, default='admin')
        if src not in GRANT_SOURCES:
            raise Invalid('source: unknown')
        c['source'] = src
        c['initiated_by'] = _opt(obj, 'initiated_by', parse_id)
        c['reason'] = _opt(obj, 'reason', parse_str)
        c['idempotency_key'] = _opt(obj, 'idempotency_key', parse_id)
        if src == 'admin':
            if c['amount'] > ADMIN_GRANT_MAX:
                raise Invalid('amount: an admin grant is at most 10000 credits')
            if c['initiated_by'] is None:
                raise Invalid('initiated_by is required for an admin grant')
    elif op == 'debit':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['amount'] = _req(obj, 'amount', parse_amount, positive=True)
        c['session_id'] = _opt(obj, 'session_id', parse_id)
        c['request_id'] = _opt(obj, 'request_id', parse_str)
        c['idempotency_key'] = _opt(obj, 'idempotency_key', parse_id)
    elif op == 'refund':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['debit_seq'] = _req(obj, 'debit_seq', parse_int)
        c['amount'] = _opt(obj, 'amount', parse_amount, positive=True)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
        c['reason'] = _opt(obj, 'reason', parse_str)
    elif op in ('set_flag', 'clear_flag'):
        flag = _req(obj, 'flag', parse_str)
        if flag not in FLAG_DEFAULTS:
            raise Invalid('flag: unknown')
        c['flag'] = flag
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
        if op == 'set_flag':
            c['value'] = _req(obj, 'value', parse_flag_value, flag)
    elif op == 'define_plan':
        c['plan_id'] = _req(obj, 'plan_id', parse_id)
        c['entitlements'] = _opt(obj, 'entitlements', parse_entitlements, default={})
        c['usage_keys'] = _opt(obj, 'usage_keys', parse_usage_keys, default={})
        c['enforcement_enabled'] = _opt(obj, 'enforcement_enabled', parse_bool, default=False)
        c['enforcement_grace_count'] = _opt(obj, 'enforcement_grace_count', parse_int, default=0, lo=0)
        c['thresholds'] = _opt(obj, 'thresholds', parse_thresholds, default=dict(THRESHOLD_DEFAULTS))
        c['module_rules'] = _opt(obj, 'module_rules', parse_module_rules)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
    elif op == 'subscribe':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['plan_id'] = _req(obj, 'plan_id', parse_id)
        c['initiated_by'] = _opt(obj, 'initiated_by', parse_id)
    elif op == 'set_override':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['entitlement_key'] = _req(obj, 'entitlement_key', parse_id)
        c['value'] = _req(obj, 'value', parse_int, lo=-1)
        c['expires_at'] = _opt(obj, 'expires_at', parse_ts)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
    elif op == 'clear_override':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['entitlement_key'] = _req(obj, 'entitlement_key', parse_id)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
    elif op == 'consume':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['entitlement_key'] = _req(obj, 'entitlement_key', parse_id)
        c['quantity'] = _opt(obj, 'quantity', parse_int, default=1, lo=1)
        c['idempotency_key'] = _opt(obj, 'idempotency_key', parse_id)
    elif op in ('suspend', 'reinstate'):
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
        c['reason'] = _opt(obj, 'reason', parse_str)
    elif op == 'set_user_limits':
        c['user_id'] = _req(obj, 'user_id', parse_id)
        c['initiated_by'] = _req(obj, 'initiated_by', parse_id)
        patch = {}
        for cap in CAP_FLAGS:
            if cap in obj:
                v = obj[cap]
                # `null` clears that cap (the settled exception to "null means absent")
                patch[cap] = None if v is None else parse_amount(v, cap, minimum=0)
        c['patch'] = patch
    return c


def parse_flag_value(v, field, flag):
    if flag in BOOL_FLAGS:
        return parse_bool(v, field)
    if flag == 'billing_rollout_percentage':
        return parse_int(v, field, lo=0, hi=100)
    if flag == 'billing_allowlist':
        if not isinstance(v, list):
            raise Invalid('value: billing_allowlist must be an array of user ids')
        return tuple(parse_id(x, field) for x in v)
    if flag == 'low_balance_threshold':
        return parse_amount(v, field)
    return parse_amount(v, field, minimum=0)  # the three caps


def parse_entitlements(v, field):
    if not isinstance(v, dict):
        raise Invalid('entitlements must be an object')
    return {parse_id(k, 'entitlements key'): parse_int(x, 'entitlements limit', lo=-1) for k, x in v.items()}


def parse_usage_keys(v, field):
    if not isinstance(v, dict):
        raise Invalid('usage_keys must be an object')
    return {parse_id(k, 'usage_keys key'): parse_id(x, 'usage key') for k, x in v.items()}


def parse_thresholds(v, field):
    if not isinstance(v, dict):
        raise Invalid('thresholds must be an object')
    th = dict(THRESHOLD_DEFAULTS)
    for k, x in v.items():
        if k not in THRESHOLD_DEFAULTS:
            raise Invalid('thresholds: unknown key %s' % k)
        if x is None:
            continue  # INTERPRETATION: null inside thresholds = absent = default
        th[k] = parse_int(x, 'thresholds.' + k, lo=0)
    return th


def parse_module_rules(v, field):
    if not isinstance(v, dict):
        raise Invalid('module_rules must be an object')
    try:
        text = compact_json(v)
    except RecursionError:  # nested deeper than 8,192 levels: its compact text is over 16 KiB anyway
        raise Invalid('module_rules larger than 16 KiB')
    if len(text.encode('utf-8')) > MODULE_RULES_MAX_BYTES:
        raise Invalid('module_rules larger than 16 KiB')
    return text


# --------------------------------------------------------------------------------------------------------------
# The model


def ok(seq, **fields):
    r = {'status': 'applied', 'seq': seq, 'code': 'ok', 'http_status': 200}
    r.update(fields)
    return r


class Model:
    def __init__(self, config_enforcement: bool = False):
        self.config_enforcement = bool(config_enforcement)
        self.seq = 0
        self.last_time = None  # ms of the last record
        self.record_times = []  # time of every record, by seq − 1
        # debit records decided with enforcement from the config (no runtime override): 'decisive' ones reached
        # the enforcement step (applied charged / warn-only / insufficient_credits), 'other' ones did not. A replay
        # told the opposite config must notice a decisive one.
        self.config_debits = {'decisive': 0, 'other': 0}
        self.flags = {}  # runtime values set by set_flag
        self.balance = {}
        self.ledger_users = set()  # users with an applied grant, debit (any mode) or refund
        self.known_users = set()  # users named by any record (for state queries)
        self.suspended = set()
        self.user_caps = {}  # user -> {cap: mc}
        self.idem = {}  # (user, op, key) -> (payload, result)
        self.debits = {}  # seq -> {'user', 'charged', 'refunded'} for applied charged debits
        self.charged = {}  # user -> [(t, amount, session_id)] of applied charged debits, log order
        self.anomalies = {}  # user -> [t]
        self.plans = {}
        self.plan_of = {}  # user -> plan_id
        self.overrides = {}  # (user, key) -> (value, expires_at or None)
        self.usage = {}  # (user, usage_key) -> n
        self.grace_used = {}  # (user, plan_id, key) -> n
        self.grace_started = {}  # user -> ms
        self.lines = 0

    # ---- flags -------------------------------------------------------------------------------------------
    def flag(self, name):
        if name in self.flags:
            return self.flags[name]
        if name == 'credit_enforcement_enabled':
            return self.config_enforcement
        return FLAG_DEFAULTS[name]

    def settings(self):
        src = 'override' if 'credit_enforcement_enabled' in self.flags else 'config'
        return {'enforcement_enabled': self.flag('credit_enforcement_enabled'), 'enforcement_source': src}

    def cap(self, user, name):
        own = self.user_caps.get(user, {})
        return own[name] if name in own else self.flag(name)  # per cap: the user's own, else the flag

    # ---- records -----------------------------------------------------------------------------------------
    def _append(self, t):
        self.seq += 1
        self.last_time = t
        self.record_times.append(t)
        return self.seq

    def _reject(self, t, code, http, message):
        seq = self._append(t)
        if self._deciding_debit and 'credit_enforcement_enabled' not in self.flags:
            self.config_debits['decisive' if code == 'insufficient_credits' else 'other'] += 1
        return {'status': 'rejected', 'seq': seq, 'code': code, 'http_status': http, 'message': message}

    @property
    def record_count(self):
        return self.seq

    # ---- entitlements ------------------------------------------------------------------------------------
    def plan(self, user):
        pid = self.plan_of.get(user)
        return self.plans.get(pid) if pid is not None else None

    def resolve_limit(self, user, key, t):
        ov = self.overrides.get((user, key))
        if ov is not None and (ov[1] is None or ov[1] > t):
            return ov[0], True
        p = self.plan(user)
        if p is not None and key in p['entitlements']:
            return p['entitlements'][key], False
        return 0, False

    def usage_key(self, user, key):
        p = self.plan(user)
        if p is not None and key in p['usage_keys']:
            return p['usage_keys'][key]
        if key.endswith('.max'):
            return key[:-4] + '.created'
        return key

    def pct_at_least(self, user, pct, t):
        p = self.plan(user)
        if p is None:
            return False
        for key in p['entitlements']:
            limit, _ = self.resolve_limit(user, key, t)
            if limit <= 0:  # −1 unlimited and 0 are not counted
                continue
            if self.usage.get((user, self.usage_key(user, key)), 0) * 100 >= pct * limit:
                return True
        return False

    def _touch(self, user, t):
        """After an applied record that concerns `user`: set or clear grace_started_at."""
        p = self.plan(user)
        if p is not None and self.pct_at_least(user, p['thresholds']['hard_pct'], t):
            self.grace_started.setdefault(user, t)
        else:
            self.grace_started.pop(user, None)

    def state(self, user, at=None):
        """`tollgate state --user U [--at T]`: T defaults to, and is clamped up to, the last record time."""
        t = self.last_time if self.last_time is not None else 0
        if at is not None and at > t:
            t = at
        none = {'state': 'ACTIVE', 'grace_started_at': None, 'grace_ends_at': None}
        if user in self.suspended:
            return dict(none, state='SUSPENDED')
        p = self.plan(user)
        if p is None:
            return none
        th = p['thresholds']
        if not self.pct_at_least(user, th['warn_pct'], t):
            return none
        if not self.pct_at_least(user, th['hard_pct'], t):
            return dict(none, state='WARN')
        start = self.grace_started.get(user)
        if start is None:
            # INTERPRETATION: pct reached hard_pct only through time (an override expired after the user's last
            # record): GRACE, but no record started it yet, so both times are null.
            return dict(none, state='GRACE')
        ends = start + th['grace_hours'] * HOUR_MS
        st = 'GRACE'
        if t >= ends and self.pct_at_least(user, th['hard_pct'] + th['overage_buffer_pct'], t):
            st = 'DEGRADED'
        return {'state': st, 'grace_started_at': fmt_ts(start), 'grace_ends_at': fmt_ts(ends)}

    def balances(self):
        b = {u: fmt_amount(self.balance.get(u, 0)) for u in sorted(self.ledger_users)}
        return {'balances': b, 'liability': fmt_amount(sum(self.balance.get(u, 0) for u in self.ledger_users))}

    # ---- apply -------------------------------------------------------------------------------------------
    def apply_line(self, raw: bytes) -> dict:
        self.lines += 1
        try:
            obj = parse_json_line(raw)
        except Exception as e:  # not JSON, invalid UTF-8, duplicate keys, NaN, …
            return self._invalid('not a JSON object: %s' % e)
        try:
            cmd = parse_command(obj)
            return self.apply(cmd)
        except Invalid as e:
            return self._invalid(str(e))

    @staticmethod
    def _invalid(message):
        return {'status': 'invalid', 'code': 'invalid_request', 'http_status': 422, 'message': message}

    _deciding_debit = False

    def apply(self, c: dict) -> dict:
        at = c['at']
        if at is None:
            raise Invalid('model limitation: commands without at cannot be modelled')
        t = at if self.last_time is None or at > self.last_time else self.last_time
        self._deciding_debit = c['op'] == 'debit'
        try:
            return getattr(self, '_op_' + c['op'])(c, t)
        finally:
            self._deciding_debit = False

    def _idempotency(self, c, op, payload, t):
        key = c.get('idempotency_key')
        if key is None:
            return None
        entry = self.idem.get((c['user_id'], op, key))
        if entry is None:
            return None
        if entry[0] == payload:
            r = dict(entry[1])
            r['status'] = 'duplicate'
            return r
        return self._reject(t, 'idempotency_conflict', 409, 'idempotency key reused with a different payload')

    def _register(self, c, op, payload, result):
        key = c.get('idempotency_key')
        if key is not None:
            self.idem[(c['user_id'], op, key)] = (payload, dict(result))

    def _applied_user(self, user, t, result):
        self.known_users.add(user)
        self._touch(user, t)
        return result

    # debit — checks in the contract's order
    def _op_debit(self, c, t):
        u, amount, session = c['user_id'], c['amount'], c['session_id']
        payload = (amount, session)
        r = self._idempotency(c, 'debit', payload, t)
        if r is not None:
            return r
        self.known_users.add(u)
        if u in self.suspended:
            return self._reject(t, 'account_suspended', 403, 'account suspended')
        if amount > self.cap(u, 'single_request_cap'):
            return self._reject(t, 'request_cap_exceeded', 422, 'amount above the single-request cap')
        bal = self.balance.get(u, 0)
        low = self.flag('low_balance_threshold')
        if not self.flag('billing_charging_enabled'):
            seq = self._append(t)
            res = ok(seq, mode='free', charged='0.000', balance_after=fmt_amount(bal), low_balance=bal <= low)
            return self._debit_done(c, u, t, payload, res)
        allow = self.flag('billing_allowlist')
        rollout = self.flag('billing_rollout_percentage')
        if u not in allow and (self.flag('shadow_billing_enabled') or
                               (rollout < 100 and fnv1a64(u.encode('utf-8')) % 100 >= rollout)):
            seq = self._append(t)
            res = ok(seq, mode='shadow', charged='0.000', shadow_charge=fmt_amount(amount),
                     balance_after=fmt_amount(bal), low_balance=bal <= low)
            return self._debit_done(c, u, t, payload, res)
        hist = self.charged.get(u, [])
        day = t // DAY_MS
        daily = sum(a for (ti, a, s) in hist if ti // DAY_MS == day)
        if daily + amount > self.cap(u, 'daily_cap'):
            return self._reject(t, 'daily_cap_exceeded', 429, 'daily cap exceeded')
        if session is not None:
            stotal = sum(a for (ti, a, s) in hist if s == session and t - HOUR_MS < ti <= t)
            if stotal + amount > self.cap(u, 'session_cap'):
                return self._reject(t, 'session_cap_exceeded', 429, 'session cap exceeded')
        warned = False
        if bal <= 0:
            if self.flag('credit_enforcement_enabled'):
                return self._reject(t, 'insufficient_credits', 402, INSUFFICIENT_MESSAGE)
            warned = True
        # anomaly over earlier charged debits (integers, no division)
        n = len(hist)
        anomaly = False
        if n >= 5:
            k = min(n, 20)
            s = sum(a for (_, a, _) in hist[-k:])
            anomaly = amount * k > 5 * s
        seq = self._append(t)
        bal -= amount
        self.balance[u] = bal
        self.ledger_users.add(u)
        hist = self.charged.setdefault(u, [])
        hist.append((t, amount, session))
        self.debits[seq] = {'user': u, 'charged': amount, 'refunded': 0}
        res = ok(seq, mode='charged', charged=fmt_amount(amount), balance_after=fmt_amount(bal),
                 low_balance=bal <= low)
        if warned:
            res['warned'] = True
        if anomaly:
            res['anomaly'] = True
        res = self._debit_done(c, u, t, payload, res)
        if anomaly:
            an = self.anomalies.setdefault(u, [])
            an.append(t)
            recent = sum(1 for x in an if t - HOUR_MS < x <= t)
            if recent >= 3 and self.flag('anomaly_circuit_breaker_enabled'):
                self._append(t)  # suspension record: initiated_by "system", reason "circuit_breaker"
                self.suspended.add(u)
                self._touch(u, t)
        return res

    def _debit_done(self, c, u, t, payload, res):
        if 'credit_enforcement_enabled' not in self.flags:
            self.config_debits['decisive' if res['mode'] == 'charged' else 'other'] += 1
        self.ledger_users.add(u)
        self._register(c, 'debit', payload, res)
        return self._applied_user(u, t, res)

    def _op_grant(self, c, t):
        u = c['user_id']
        payload = (c['amount'], c['source'])
        r = self._idempotency(c, 'grant', payload, t)
        if r is not None:
            return r
        seq = self._append(t)
        bal = self.balance.get(u, 0) + c['amount']
        self.balance[u] = bal
        self.ledger_users.add(u)
        res = ok(seq, balance_after=fmt_amount(bal))
        self._register(c, 'grant', payload, res)
        return self._applied_user(u, t, res)

    def _op_refund(self, c, t):
        u = c['user_id']
        d = self.debits.get(c['debit_seq'])
        if d is None or d['user'] != u:
            raise Invalid('debit_seq does not name an applied charged debit of this user')
        left = d['charged'] - d['refunded']
        amount = c['amount'] if c['amount'] is not None else left
        if amount <= 0:
            raise Invalid('nothing left to refund')  # INTERPRETATION: default amount of a fully refunded debit
        if amount > left:
            raise Invalid('amount above what is left to refund')
        seq = self._append(t)
        d['refunded'] += amount
        bal = self.balance.get(u, 0) + amount
        self.balance[u] = bal
        self.ledger_users.add(u)
        return self._applied_user(u, t, ok(seq, balance_after=fmt_amount(bal)))

    def _op_set_flag(self, c, t):
        seq = self._append(t)
        self.flags[c['flag']] = c['value']
        return ok(seq, **self.settings())

    def _op_clear_flag(self, c, t):
        seq = self._append(t)
        self.flags.pop(c['flag'], None)
        return ok(seq, **self.settings())

    def _op_define_plan(self, c, t):
        seq = self._append(t)
        pid = c['plan_id']
        self.plans[pid] = {'entitlements': c['entitlements'], 'usage_keys': c['usage_keys'],
                           'enforcement_enabled': c['enforcement_enabled'],
                           'grace_count': c['enforcement_grace_count'], 'thresholds': c['thresholds'],
                           'module_rules': c['module_rules']}
        for u, p in sorted(self.plan_of.items()):
            if p == pid:
                self._touch(u, t)
        return ok(seq)

    def _op_subscribe(self, c, t):
        u, pid = c['user_id'], c['plan_id']
        if pid not in self.plans:
            raise Invalid('unknown plan')
        seq = self._append(t)
        if self.plan_of.get(u) != pid:
            for k in [k for k in self.grace_used if k[0] == u]:
                del self.grace_used[k]
        self.plan_of[u] = pid
        return self._applied_user(u, t, ok(seq))

    def _op_set_override(self, c, t):
        u = c['user_id']
        seq = self._append(t)
        exp = c['expires_at']
        if exp is None or exp > t:
            self.overrides[(u, c['entitlement_key'])] = (c['value'], exp)
        # else: an applied no-op, an existing override is kept (INTERPRETATION)
        return self._applied_user(u, t, ok(seq))

    def _op_clear_override(self, c, t):
        u = c['user_id']
        seq = self._append(t)
        self.overrides.pop((u, c['entitlement_key']), None)
        return self._applied_user(u, t, ok(seq))

    def _op_consume(self, c, t):
        u, key, q = c['user_id'], c['entitlement_key'], c['quantity']
        payload = (key, q)
        r = self._idempotency(c, 'consume', payload, t)
        if r is not None:
            return r
        self.known_users.add(u)
        if u in self.suspended:
            return self._reject(t, 'account_suspended', 403, 'account suspended')
        limit, ov = self.resolve_limit(u, key, t)
        p = self.plan(u)
        uk = self.usage_key(u, key)
        usage = self.usage.get((u, uk), 0)
        enforcing = p is not None and p['enforcement_enabled']
        gkey = (u, self.plan_of.get(u), key)
        remaining = p['grace_count'] - self.grace_used.get(gkey, 0) if enforcing else None
        if limit == -1 or usage + q <= limit:
            mode = 'within_limit'
        elif enforcing:
            if remaining >= q:
                mode = 'grace'
            else:
                seq = self._append(t)
                return {'status': 'rejected', 'seq': seq, 'code': 'quota_exceeded', 'http_status': 403,
                        'message': 'quota exceeded for %s' % key, 'usage_after': usage, 'limit': limit,
                        'grace_remaining': remaining, 'override_applied': ov}
        else:
            mode = 'warned'
        seq = self._append(t)
        if mode == 'grace':
            self.grace_used[gkey] = self.grace_used.get(gkey, 0) + q
            remaining -= q
        self.usage[(u, uk)] = usage + q
        res = ok(seq, mode=mode, usage_after=usage + q, limit=limit, grace_remaining=remaining,
                 override_applied=ov)
        self._register(c, 'consume', payload, res)
        return self._applied_user(u, t, res)

    def _op_suspend(self, c, t):
        seq = self._append(t)
        self.suspended.add(c['user_id'])
        return self._applied_user(c['user_id'], t, ok(seq))

    def _op_reinstate(self, c, t):
        seq = self._append(t)
        self.suspended.discard(c['user_id'])
        return self._applied_user(c['user_id'], t, ok(seq))

    def _op_set_user_limits(self, c, t):
        u = c['user_id']
        seq = self._append(t)
        own = self.user_caps.setdefault(u, {})
        for cap, v in c['patch'].items():
            if v is None:
                own.pop(cap, None)
            else:
                own[cap] = v
        return self._applied_user(u, t, ok(seq))


# --------------------------------------------------------------------------------------------------------------

def split_lines(data: bytes):
    """One command per line; a final newline does not start another (empty) line."""
    lines = data.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    return lines


def dumps(obj) -> str:
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=False)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('apply', help='apply a command file, print one result per line')
    a.add_argument('file', nargs='?')
    a.add_argument('--enforcement', choices=('true', 'false'),
                   help='config default of credit_enforcement_enabled (default: env CREDIT_ENFORCEMENT_ENABLED)')
    a.add_argument('--balances', action='store_true')
    a.add_argument('--settings', action='store_true')
    a.add_argument('--state', action='append', default=[], metavar='USER[,TIME]')
    args = ap.parse_args(argv)
    import os
    enf = args.enforcement or os.environ.get('CREDIT_ENFORCEMENT_ENABLED', 'false')
    m = Model(config_enforcement=(enf == 'true'))
    data = open(args.file, 'rb').read() if args.file else sys.stdin.buffer.read()
    out = sys.stdout
    for line in split_lines(data):
        out.write(dumps(m.apply_line(line)) + '\n')
    if args.balances:
        out.write(dumps(m.balances()) + '\n')
    if args.settings:
        out.write(dumps(m.settings()) + '\n')
    for spec in args.state:
        user, _, when = spec.partition(',')
        out.write(dumps(m.state(user, parse_ts_text(when) if when else None)) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
