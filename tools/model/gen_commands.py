#!/usr/bin/env python3
"""Seeded random command streams for the Tollgate differential test.

    gen_commands.py --seed 7 --commands 2000 [-o FILE]

Every line carries `at` (a command without `at` is stamped with the engine's clock and cannot be modelled).
The stream exercises every op and flag, out-of-order times (clamped), idempotency retries with the same and a
different payload, suspended users, plans with grace, overrides that expire, set_user_limits patches with null,
refunds of real and bogus debit seqs, anomaly bursts with the circuit breaker on, shadow/rollout/allowlist, the
kill switch, and invalid lines of every kind. The generator runs the reference model alongside only to know
which debit seqs exist (for realistic refunds); the comparison itself is tools/difftest.
"""

from __future__ import annotations

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tollgate_model as tm  # noqa: E402

LONG_ID = 'L' * 128
USER_POOL = ['alice', 'bob', 'carol.x', 'dave@corp', 'u:42', 'e-9_z', 'frank', LONG_ID]
ENT_KEYS = ['projects.max', 'seats', 'api.calls', 'exports.max', 'x', 'reports.max']
PLAN_IDS = ['free', 'pro', 'team.v2', 'ent:1']
ADMINS = ['ops', 'admin@corp', 'system-x']


def fmt_at(ms: int, rnd: random.Random) -> str:
    """A valid `at` for `ms`, with 0–3 fraction digits when exact."""
    base = tm.fmt_ts(ms)  # ...SS.mmmZ
    whole, frac = base[:-5], base[-4:-1]
    choices = ['.' + frac]
    if frac == '000':
        choices += ['', '.0', '.00']
    elif frac.endswith('00'):
        choices += ['.' + frac[0]]
    elif frac.endswith('0'):
        choices += ['.' + frac[:2]]
    return whole + rnd.choice(choices) + 'Z'


def fmt_amount_json(mc: int, rnd: random.Random) -> str:
    """Raw JSON text for an amount of `mc` millicredits, in one of many valid spellings."""
    s = tm.fmt_amount(mc)  # "12.500"
    trimmed = s.rstrip('0').rstrip('.') if '.' in s else s
    forms = [trimmed, '"%s"' % s, '"%s"' % trimmed, '%de-3' % mc, s + '0']
    if mc % 1000 == 0:
        forms += ['%dE0' % (mc // 1000), '"%d"' % (mc // 1000), '%d.0' % (mc // 1000)]
    if mc % 10 == 0 and mc != 0:
        forms += ['%de-2' % (mc // 10)]
    if mc > 0 and mc % 1000 != 0:
        # 1.2345e1 style: the digits with the point moved
        digits = str(mc)
        forms += ['%s.%se%d' % (digits[0], digits[1:], len(digits) - 4) if len(digits) > 1 else '%se-3' % digits]
    return rnd.choice(forms)


def fmt_int_json(n: int, rnd: random.Random) -> str:
    forms = [str(n), str(n), str(n)]
    forms += ['%d.0' % n, '%de0' % n]
    if n != 0 and n % 10 == 0:
        forms.append('%de1' % (n // 10))
    return rnd.choice(forms)


def obj_text(pairs) -> str:
    """pairs: list of (key, raw JSON text or python value). Raw texts are wrapped in Raw."""
    parts = []
    for k, v in pairs:
        parts.append(json.dumps(k) + ':' + (v.text if isinstance(v, Raw) else json.dumps(v)))
    return '{' + ','.join(parts) + '}'


class Raw:
    def __init__(self, text):
        self.text = text


class Gen:
    def __init__(self, seed: int, long_gaps: bool = False, dense: bool = False):
        self.long_gaps = long_gaps
        self.dense = dense  # every step under a minute (long streams within one 49-day batch)
        self.quick = False  # bursts: steps under a minute
        self.r = random.Random(seed)
        r = self.r
        self.model = tm.Model(config_enforcement=False)  # only for debit seqs; enforcement irrelevant
        self.t = tm.parse_ts_text('2026-03-01T00:00:00Z') + r.randrange(0, 30) * tm.DAY_MS + \
            r.randrange(0, tm.DAY_MS)
        self.users = r.sample(USER_POOL, r.randint(3, 6))
        self.hot = self.users[0]
        self.plans = []
        self.idem_log = []  # (op, user, pairs) of commands sent with an idempotency key
        self.key_n = 0
        self.debit_seqs = []  # (seq, user) of applied charged debits
        self.burst = []  # pending pairs of an anomaly burst
        self.lines = []

    # ---- helpers -----------------------------------------------------------------------------------------
    def advance(self):
        r = self.r
        x = r.random()
        if self.quick or self.dense:
            x = min(x, 0.69) if self.quick or x < 0.98 else x
        if x < 0.70:
            self.t += r.randrange(0, 60000)
        elif x < 0.90:
            self.t += r.randrange(60000, 20 * 60000)
        elif x < 0.97:
            self.t += r.randrange(tm.HOUR_MS, 6 * tm.HOUR_MS)
        elif x < 0.975 or (self.long_gaps and x < 0.98):
            # days; with long_gaps a 2000-line stream spans ~80 days instead of ~35
            self.t += r.randrange(tm.DAY_MS, 2 * tm.DAY_MS) * (4 if self.long_gaps else 1)
        # backwards steps: stamped older than the log, so clamped
        at = self.t - r.randrange(1, 15 * 60000) if x >= 0.98 else self.t
        return Raw(json.dumps(fmt_at(at, r)))

    def user(self):
        r = self.r
        return self.hot if r.random() < 0.3 else r.choice(self.users)

    def amount(self, lo_mc, hi_mc):
        r = self.r
        mc = r.randint(lo_mc, hi_mc)
        if r.random() < 0.5:
            mc = (mc // 1000) * 1000 or 1000
        return mc, Raw(fmt_amount_json(mc, r))

    def new_key(self):
        self.key_n += 1
        return 'k-%d' % self.key_n

    def by(self):
        return self.r.choice(ADMINS)

    # ---- ops ---------------------------------------------------------------------------------------------
    def grant(self):
        r = self.r
        src = r.choice(['admin', 'admin', 'purchase', 'promo', 'adjustment', None])
        mc, amt = self.amount(1, 100_000 if r.random() < 0.85 else 2_000_000)
        p = [('op', 'grant'), ('user_id', self.user()), ('amount', amt)]
        if src is not None:
            p.append(('source', src))
        if src in (None, 'admin') or r.random() < 0.5:
            p.append(('initiated_by', self.by()))
        if r.random() < 0.3:
            p.append(('reason', r.choice(['top-up', 'promo "spring"', 'ünïcode ✓', ''])))
        if r.random() < 0.3:
            p.append(('idempotency_key', self.new_key()))
        p.append(('at', self.advance()))
        return p

    def debit(self, user=None, mc=None):
        r = self.r
        if mc is None:
            x = r.random()
            if x < 0.75:
                mc, amt = self.amount(1, 5000)
            elif x < 0.95:
                mc, amt = self.amount(5000, 45000)
            else:
                mc, amt = self.amount(45000, 70000)
        else:
            amt = Raw(fmt_amount_json(mc, r))
        p = [('op', 'debit'), ('user_id', user or self.user()), ('amount', amt)]
        if r.random() < 0.4:
            p.append(('session_id', r.choice(['s1', 's2', 'sess:9'])))
        if r.random() < 0.2:
            p.append(('request_id', 'req-%d' % r.randrange(1000)))
        if r.random() < 0.25:
            p.append(('idempotency_key', self.new_key()))
        p.append(('at', self.advance()))
        return p

    def refund(self):
        r = self.r
        x = r.random()
        if self.debit_seqs and x < 0.7:
            seq, u = r.choice(self.debit_seqs[-30:])
            if r.random() < 0.1:
                u = r.choice(self.users)  # possibly another user's debit
        else:
            seq, u = r.choice([0, 1, 10**6, r.randrange(1, max(2, self.model.seq + 2))]), self.user()
        p = [('op', 'refund'), ('user_id', u), ('debit_seq', Raw(fmt_int_json(seq, r)))]
        if r.random() < 0.6:
            d = self.model.debits.get(seq)
            left = (d['charged'] - d['refunded']) if d else 1000
            mc = max(1, r.randint(1, max(1, left)) if r.random() < 0.85 else left + r.randint(1, 2000))
            p.append(('amount', Raw(fmt_amount_json(mc, r))))
        p.append(('initiated_by', self.by()))
        if r.random() < 0.3:
            p.append(('reason', 'goodwill'))
        p.append(('at', self.advance()))
        return p

    def set_flag(self):
        r = self.r
        flag = r.choice(list(tm.FLAG_DEFAULTS) + ['anomaly_circuit_breaker_enabled', 'billing_charging_enabled',
                                                   'shadow_billing_enabled', 'single_request_cap', 'daily_cap'])
        if flag in tm.BOOL_FLAGS:
            if flag == 'billing_charging_enabled':
                v = r.random() < 0.6
            elif flag == 'shadow_billing_enabled':
                v = r.random() < 0.4
            elif flag == 'anomaly_circuit_breaker_enabled':
                v = r.random() < 0.8
            else:
                v = r.random() < 0.5
            val = Raw(json.dumps(v))
        elif flag == 'billing_rollout_percentage':
            val = Raw(fmt_int_json(r.choice([0, 10, 50, 73, 99, 100, 100]), r))
        elif flag == 'billing_allowlist':
            val = r.sample(self.users, r.randint(0, len(self.users)))
            if val and r.random() < 0.2:
                val.append(val[0])
        elif flag == 'low_balance_threshold':
            mc = r.choice([0, 5000, 100000, -5000, -1])
            val = Raw(fmt_amount_json(mc, r)) if mc >= 0 else Raw(json.dumps(tm.fmt_amount(mc)))
        else:
            mc = r.choice({'single_request_cap': [0, 10000, 30000, 50000, 50000, 80000, 80000],
                           'daily_cap': [0, 20000, 100000, 500000, 2000000],
                           'session_cap': [0, 10000, 30000, 100000]}[flag])
            val = Raw(fmt_amount_json(mc, r))
        return [('op', 'set_flag'), ('flag', flag), ('value', val), ('initiated_by', self.by()),
                ('at', self.advance())]

    def clear_flag(self):
        r = self.r
        return [('op', 'clear_flag'), ('flag', r.choice(list(tm.FLAG_DEFAULTS))), ('initiated_by', self.by()),
                ('at', self.advance())]

    def define_plan(self):
        r = self.r
        pid = r.choice(PLAN_IDS)
        ents = {}
        for k in r.sample(ENT_KEYS, r.randint(1, 4)):
            ents[k] = Raw(fmt_int_json(r.choice([-1, 0, 1, 2, 3, 5, 10, 20]), r))
        p = [('op', 'define_plan'), ('plan_id', pid)]
        p.append(('entitlements', Raw(obj_text(list(ents.items())))))
        if r.random() < 0.4:
            uk = {k: r.choice(['projects.created', 'shared.usage', k + '.used'])
                  for k in r.sample(ENT_KEYS, r.randint(1, 2))}
            p.append(('usage_keys', uk))
        if r.random() < 0.7:
            p.append(('enforcement_enabled', r.random() < 0.6))
        if r.random() < 0.7:
            p.append(('enforcement_grace_count', Raw(fmt_int_json(r.choice([0, 1, 2, 3, 5]), r))))
        if r.random() < 0.6:
            th = {}
            for k, choices in (('warn_pct', [50, 80, 90]), ('hard_pct', [60, 100, 100, 120]),
                               ('grace_hours', [0, 1, 2, 24, 48]), ('overage_buffer_pct', [0, 0, 10, 50])):
                if r.random() < 0.6:
                    th[k] = Raw(fmt_int_json(r.choice(choices), r))
            p.append(('thresholds', Raw(obj_text(list(th.items())))))
        if r.random() < 0.3:
            p.append(('module_rules', {'apiTraces': {'samplingRate': 10, 'dropResponseBodies': True},
                                       'businessConfig': {'freezePublishing': r.random() < 0.5}}))
        p += [('initiated_by', self.by()), ('at', self.advance())]
        if pid not in self.plans:
            self.plans.append(pid)
        return p

    def subscribe(self):
        r = self.r
        pid = r.choice(self.plans) if self.plans and r.random() < 0.9 else r.choice(PLAN_IDS + ['nope'])
        p = [('op', 'subscribe'), ('user_id', self.user()), ('plan_id', pid)]
        if r.random() < 0.5:
            p.append(('initiated_by', self.by()))
        p.append(('at', self.advance()))
        return p

    def set_override(self):
        r = self.r
        p = [('op', 'set_override'), ('user_id', self.user()), ('entitlement_key', r.choice(ENT_KEYS)),
             ('value', Raw(fmt_int_json(r.choice([-1, 0, 1, 2, 5, 8, 50]), r)))]
        x = r.random()
        if x < 0.6:
            delta = r.choice([-60000, 0, 60000, 10 * 60000, tm.HOUR_MS, 3 * tm.HOUR_MS, tm.DAY_MS, 3 * tm.DAY_MS])
            p.append(('expires_at', fmt_at(max(0, self.t + delta), r)))
        p += [('initiated_by', self.by()), ('at', self.advance())]
        return p

    def clear_override(self):
        r = self.r
        return [('op', 'clear_override'), ('user_id', self.user()), ('entitlement_key', r.choice(ENT_KEYS)),
                ('initiated_by', self.by()), ('at', self.advance())]

    def consume(self):
        r = self.r
        p = [('op', 'consume'), ('user_id', self.user()), ('entitlement_key', r.choice(ENT_KEYS))]
        if r.random() < 0.6:
            p.append(('quantity', Raw(fmt_int_json(r.choice([1, 1, 1, 2, 3]), r))))
        if r.random() < 0.25:
            p.append(('idempotency_key', self.new_key()))
        p.append(('at', self.advance()))
        return p

    def suspend(self, op=None):
        r = self.r
        op = op or r.choice(['suspend', 'reinstate', 'reinstate', 'reinstate'])
        p = [('op', op), ('user_id', self.user()), ('initiated_by', self.by())]
        if r.random() < 0.4:
            p.append(('reason', 'manual'))
        p.append(('at', self.advance()))
        return p

    def set_user_limits(self):
        r = self.r
        p = [('op', 'set_user_limits'), ('user_id', self.user())]
        for cap, choices in (('single_request_cap', [0, 5000, 20000, 100000, 100000]),
                             ('daily_cap', [0, 30000, 200000, 1000000]),
                             ('session_cap', [0, 5000, 20000, 300000])):
            x = r.random()
            if x < 0.3:
                p.append((cap, None))
            elif x < 0.6:
                p.append((cap, Raw(fmt_amount_json(r.choice(choices), r))))
        p += [('initiated_by', self.by()), ('at', self.advance())]
        return p

    def retry(self):
        """Reuse an earlier idempotency key: the same payload (new at / request_id) or a different one."""
        r = self.r
        op, pairs = r.choice(self.idem_log[-40:])
        p = [(k, v) for (k, v) in pairs if k not in ('at', 'request_id', 'reason')]
        if r.random() < 0.4:
            # different payload
            for i, (k, v) in enumerate(p):
                if k == 'amount':
                    p[i] = (k, Raw(fmt_amount_json(r.randint(1, 4000), r)))
                elif k == 'quantity':
                    p[i] = (k, Raw(fmt_int_json(r.randint(1, 4), r)))
                elif k == 'session_id':
                    p[i] = (k, 's-other')
        elif r.random() < 0.5:
            # same payload, spelled differently
            for i, (k, v) in enumerate(p):
                if k == 'amount':
                    mc = tm.parse_amount(tm.parse_json_line(v.text.encode()) if isinstance(v, Raw) else v, 'a')
                    p[i] = (k, Raw(fmt_amount_json(mc, r)))
            if op == 'grant' and not any(k == 'source' for k, _ in p):
                p.insert(3, ('source', 'admin'))
        if op == 'debit' and r.random() < 0.3:
            p.append(('request_id', 'retry'))
        p.append(('at', self.advance()))
        return p

    def invalid(self):
        r = self.r
        u = self.user()
        at = fmt_at(self.t, r)
        bad_amounts = ['"1.0005"', '"+5"', '" 5"', '".5"', '"5."', '"NaN"', '""', '1e400', '-5', '0', '0e400',
                       '"0e400"', '"1e400"', '1.0005', '"-1"', '9000000000001', '"0x10"', 'true', 'null',
                       '[1]', '"1,5"', '"١"']
        bad_ts = ['2026-02-30T00:00:00Z', '2026-03-01T00:00:60Z', '2026-03-01T00:00:00+00:00',
                  '2026-03-01t00:00:00z', '2026-03-01T00:00:00.1234Z', '2026-03-01T00:00:00.Z',
                  '2026-3-1T00:00:00Z', '2026-03-01 00:00:00Z', '2026-03-01T24:00:00Z', '2025-02-29T00:00:00Z',
                  '2026-13-01T00:00:00Z', '']
        choices = [
            lambda: '{"op":"debit","user_id":"%s","amount":%s,"at":"%s"}' % (u, r.choice(bad_amounts), at),
            lambda: '{"op":"grant","user_id":"%s","amount":%s,"source":"promo","at":"%s"}' % (
                u, r.choice(bad_amounts), at),
            lambda: '{"op":"debit","user_id":"%s","amount":1,"at":"%s"}' % (u, r.choice(bad_ts)),
            lambda: '{"op":"set_override","user_id":"%s","entitlement_key":"x","value":1,"expires_at":"%s",'
                    '"initiated_by":"ops","at":"%s"}' % (u, r.choice(bad_ts), at),
            lambda: '{"op":"debit","user_id":"%s","amount":1,"colour":"red","at":"%s"}' % (u, at),
            lambda: '{"op":"debit","user_id":"%s","amount":1,"amount":2,"at":"%s"}' % (u, at),
            lambda: '{"op":"define_plan","plan_id":"p","module_rules":{"a":1,"a":2},"initiated_by":"ops",'
                    '"at":"%s"}' % at,
            lambda: r.choice(['hello', '[1,2]', '"str"', '{', '{"op":"debit"', '42', 'null', ' ', '{}',
                              '{"op":"grant","user_id":"a","amount":NaN,"initiated_by":"x","at":"%s"}' % at,
                              '{"op":"grant","user_id":"a","amount":Infinity,"initiated_by":"x","at":"%s"}' % at,
                              '{"op":"debit","user_id":"a","amount":1,"at":"%s"} x' % at,
                              "{'op':'debit'}", '{"op":"debit","user_id":"a","amount":01,"at":"%s"}' % at]),
            lambda: '',
            lambda: b'{"op":"debit","user_id":"a","amount":1,"request_id":"\xff\xfe","at":"' + at.encode() + b'"}',
            lambda: '{"op":"debit","user_id":%s,"amount":1,"at":"%s"}' % (
                r.choice(['""', '"has space"', '"%s"' % ('x' * 129), '"ünï"', '5', 'null', '"a/b"']), at),
            lambda: '{"op":"consume","user_id":"%s","entitlement_key":"x","quantity":%s,"at":"%s"}' % (
                u, r.choice(['true', '"2"', '1.5', '0', '-1', '9223372036854775808', '1e19', 'null2']), at),
            lambda: '{"op":"grant","user_id":"%s","amount":%s,"initiated_by":"ops","at":"%s"}' % (
                u, r.choice(['10000.001', '"10001"', '1e5']), at),
            lambda: '{"op":"grant","user_id":"%s","amount":5,"at":"%s"}' % (u, at),
            lambda: '{"op":"grant","user_id":"%s","amount":5,"source":"gift","initiated_by":"o","at":"%s"}' % (u, at),
            lambda: '{"op":"refund","user_id":"%s","debit_seq":%s,"initiated_by":"ops","at":"%s"}' % (
                u, r.choice(['"3"', '2.5', 'true', 'null']), at),
            lambda: '{"op":"refund","user_id":"%s","debit_seq":1,"initiated_by":"ops","idempotency_key":"k",'
                    '"at":"%s"}' % (u, at),
            lambda: '{"op":"set_flag","flag":"%s","value":%s,"initiated_by":"ops","at":"%s"}' % r.choice([
                ('billing_rollout_percentage', '101', at), ('billing_rollout_percentage', '-1', at),
                ('billing_rollout_percentage', '50.5', at), ('billing_allowlist', '"alice"', at),
                ('billing_allowlist', '["ok","bad id"]', at), ('shadow_billing_enabled', '"true"', at),
                ('daily_cap', '-1', at), ('session_cap', '"-0.001"', at), ('nonexistent_flag', 'true', at),
                ('billing_charging_enabled', '1', at), ('single_request_cap', 'null', at)]),
            lambda: '{"op":"clear_flag","flag":"nope","initiated_by":"ops","at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","thresholds":{"warn_pct":10,"soft":5},"initiated_by":"ops",'
                    '"at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","entitlements":{"x":-2},"initiated_by":"ops","at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","enforcement_grace_count":-1,"initiated_by":"ops",'
                    '"at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","thresholds":{"hard_pct":-5},"initiated_by":"ops",'
                    '"at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","module_rules":[1],"initiated_by":"ops","at":"%s"}' % at,
            lambda: '{"op":"define_plan","plan_id":"p","entitlements":{"bad key":1},"initiated_by":"ops",'
                    '"at":"%s"}' % at,
            lambda: '{"op":"set_override","user_id":"%s","entitlement_key":"x","value":-2,"initiated_by":"o",'
                    '"at":"%s"}' % (u, at),
            lambda: '{"op":"set_override","user_id":"%s","entitlement_key":"x","value":null,"initiated_by":"o",'
                    '"at":"%s"}' % (u, at),
            lambda: '{"op":"suspend","user_id":"%s","at":"%s"}' % (u, at),
            lambda: '{"op":"frobnicate","user_id":"%s","at":"%s"}' % (u, at),
            lambda: '{"user_id":"%s","amount":1,"at":"%s"}' % (u, at),
            lambda: '{"op":"set_user_limits","user_id":"%s","daily_cap":-5,"initiated_by":"ops","at":"%s"}' % (u, at),
            lambda: '{"op":"subscribe","user_id":"%s","plan_id":"no-such-plan","at":"%s"}' % (u, at),
            lambda: '{"op":"refund","user_id":"%s","debit_seq":%d,"initiated_by":"ops","at":"%s"}' % (
                u, r.randrange(1, self.model.seq + 2), at),
        ]
        x = r.choice(choices)()
        return x if isinstance(x, bytes) else x.encode('utf-8')

    def edge_valid(self):
        """Valid lines at the edges of the grammar."""
        r = self.r
        u = self.user()
        at = fmt_at(self.t, r)
        return r.choice([
            '{"op":"debit","user_id":"%s","amount":"1.0000","at":"%s"}' % (u, at),
            '{"op":"debit","user_id":"%s","amount":2e0,"at":"%s"}' % (u, at),
            '{"op":"debit","user_id":"%s","amount":1.2345e1,"at":"%s"}' % (u, at),
            '{"op":"debit","user_id":"%s","amount":"0.001","at":"%s"}' % (u, at),
            '{"op":"debit","user_id":"%s","amount":0.001,"session_id":null,"idempotency_key":null,"at":"%s"}'
            % (u, at),
            '{"op":"grant","user_id":"%s","amount":"10000","initiated_by":"ops","at":"%s"}' % (u, at),
            '{"op":"grant","user_id":"%s","amount":10000.000,"source":null,"initiated_by":"ops","at":"%s"}' % (u, at),
            '{"op":"grant","user_id":"%s","amount":"9000000000000.000","source":"purchase","at":"%s"}' % (u, at),
            '{"op":"consume","user_id":"%s","entitlement_key":"x","quantity":5e0,"at":"%s"}' % (u, at),
            '{"op":"consume","user_id":"%s","entitlement_key":"seats","quantity":2.0,"at":"%s"}' % (u, at),
            '{"op":"set_flag","flag":"daily_cap","value":0e400,"initiated_by":"ops","at":"%s"}' % at,
            '{"op":"set_flag","flag":"low_balance_threshold","value":"-1.5","initiated_by":"ops","at":"%s"}' % at,
            '{"op":"set_user_limits","user_id":"%s","initiated_by":"ops","at":"%s"}' % (u, at),
            '{"op":"set_override","user_id":"%s","entitlement_key":"x","value":-1,"expires_at":null,'
            '"initiated_by":"ops","at":"%s"}' % (u, at),
            ' {"op":"suspend","user_id":"%s","initiated_by":"ops","reason":"tab\\tnewline\\n","at":"%s"} ' % (u, at),
            '{"op":"reinstate","user_id":"%s","initiated_by":"ops","at":"%s"}' % (u, at),
            '{"op":"clear_override","user_id":"%s","entitlement_key":"never-set","initiated_by":"ops","at":"%s"}'
            % (u, at),
            '{"op":"define_plan","plan_id":"tiny","entitlements":{"x":1,"seats":1},"enforcement_enabled":true,'
            '"thresholds":{},"initiated_by":"ops","at":"%s"}' % at,
        ]).encode('utf-8')

    def anomaly_burst(self):
        """Small debits then a big one, repeated: three anomalies within an hour trip the breaker if it is on."""
        r = self.r
        u = self.user()
        out = []
        self.quick = True
        for _ in range(r.randint(1, 4)):
            for _ in range(r.randint(5, 7)):
                out.append(self.debit(u, r.randint(200, 1500)))
            out.append(self.debit(u, r.randint(20000, 45000)))
        self.quick = False
        return out

    # ---- stream ------------------------------------------------------------------------------------------
    def emit(self, item):
        if isinstance(item, bytes):
            line = item
        else:
            line = obj_text(item).encode('utf-8')
            op = dict(item).get('op')
            if any(k == 'idempotency_key' for k, _ in item) and op in ('debit', 'grant', 'consume'):
                self.idem_log.append((op, item))
        res = self.model.apply_line(line)
        if res.get('status') == 'applied' and res.get('mode') == 'charged':
            for k, v in (item if not isinstance(item, bytes) else []):
                if k == 'user_id':
                    self.debit_seqs.append((res['seq'], v))
        self.lines.append(line)

    def run(self, n: int):
        r = self.r
        self.emit([('op', 'grant'), ('user_id', self.hot), ('amount', Raw('500')), ('source', 'purchase'),
                   ('at', Raw(json.dumps(fmt_at(self.t, r))))])
        if r.random() < 0.7:
            self.emit(self.define_plan())
        if r.random() < 0.5:
            self.emit([('op', 'set_flag'), ('flag', 'anomaly_circuit_breaker_enabled'), ('value', True),
                       ('initiated_by', self.by()), ('at', self.advance())])
        weights = [
            (self.debit, 30), (self.grant, 6), (self.consume, 14), (self.refund, 5), (self.set_flag, 5),
            (self.clear_flag, 2), (self.define_plan, 2), (self.subscribe, 3), (self.set_override, 4),
            (self.clear_override, 1), (self.suspend, 2), (self.set_user_limits, 3), (self.retry, 5),
            (self.invalid, 7), (self.edge_valid, 3), (self.anomaly_burst, 2.5),
        ]
        fns = [f for f, _ in weights]
        ws = [w for _, w in weights]
        while len(self.lines) < n:
            f = r.choices(fns, ws)[0]
            if self.model.suspended and r.random() < 0.04:
                u = r.choice(sorted(self.model.suspended))
                self.emit([('op', 'reinstate'), ('user_id', u), ('initiated_by', self.by()), ('at', self.advance())])
                continue
            if self.model.flags and r.random() < 0.01:
                fl = r.choice(sorted(self.model.flags))
                self.emit([('op', 'clear_flag'), ('flag', fl), ('initiated_by', self.by()), ('at', self.advance())])
                continue
            if f == self.retry and not self.idem_log:
                f = self.debit
            item = f()
            if f == self.anomaly_burst:
                for x in item:
                    if len(self.lines) < n:
                        self.emit(x)
            else:
                self.emit(item)
        return self.lines


def generate(seed: int, n: int, long_gaps: bool = False, dense: bool = False):
    return Gen(seed, long_gaps, dense).run(n)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description='seeded random Tollgate command stream')
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--commands', type=int, default=2000)
    ap.add_argument('-o', '--output')
    ap.add_argument('--long-gaps', action='store_true', help='more and longer day-long gaps (spans > 49.7 days)')
    ap.add_argument('--dense', action='store_true', help='every time step under a minute (backwards steps kept)')
    a = ap.parse_args(argv)
    data = b''.join(line + b'\n' for line in generate(a.seed, a.commands, a.long_gaps, a.dense))
    if a.output:
        with open(a.output, 'wb') as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
