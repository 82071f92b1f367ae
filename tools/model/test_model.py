"""Hand-written cases for the reference model, one or more per rule of /work/shared/SEMANTICS.md.

Run: python3 -m unittest discover tools/model
Each test names the rule it checks (section / sentence of the contract).
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tollgate_model as tm  # noqa: E402

BASE = tm.parse_ts_text('2026-03-01T10:00:00Z')


def at(sec=0, ms=0):
    return tm.fmt_ts(BASE + sec * 1000 + ms)


def cmd(op, t=0, **fields):
    d = {'op': op}
    d.update(fields)
    d['at'] = at(t) if isinstance(t, int) else t
    return json.dumps(d)


class Base(unittest.TestCase):
    enforcement = False

    def setUp(self):
        self.m = tm.Model(config_enforcement=self.enforcement)

    def ap(self, line):
        if isinstance(line, str):
            line = line.encode('utf-8')
        return self.m.apply_line(line)

    def run_all(self, *lines):
        return [self.ap(x) for x in lines]

    def grant(self, user='u', amount='100', t=0, **kw):
        kw.setdefault('initiated_by', 'ops')
        return self.ap(cmd('grant', t, user_id=user, amount=amount, **kw))

    def debit(self, user='u', amount='1', t=0, **kw):
        return self.ap(cmd('debit', t, user_id=user, amount=amount, **kw))

    def flag(self, name, value, t=0):
        return self.ap(cmd('set_flag', t, flag=name, value=value, initiated_by='ops'))

    def assertInvalid(self, r):
        self.assertEqual(r['status'], 'invalid', r)
        self.assertEqual((r['code'], r['http_status']), ('invalid_request', 422))
        self.assertNotIn('seq', r)
        self.assertIsInstance(r['message'], str)

    def assertRejected(self, r, code, http):
        self.assertEqual((r['status'], r['code'], r['http_status']), ('rejected', code, http), r)
        self.assertIn('seq', r)


class InputGrammar(Base):
    """Units, identifiers, time; Edge cases / Input grammar."""

    def amount_of(self, raw):
        return tm.parse_amount(tm.parse_json_line(raw.encode()), 'amount')

    def test_amount_valid_spellings_exact(self):
        # "`1.0000`, `2e0`, `1.2345e1` are fine (1, 2, 12.345 credits)"; `12`, `12.5`, `"0.001"`
        for raw, mc in [('12', 12000), ('12.5', 12500), ('"0.001"', 1), ('1.0000', 1000), ('2e0', 2000),
                        ('1.2345e1', 12345), ('"1.2345e1"', 12345), ('12345e-3', 12345), ('0.1E+1', 1000),
                        ('9000000000000', tm.MC_MAX), ('"-9000000000000.000"', -tm.MC_MAX), ('-0', 0)]:
            self.assertEqual(self.amount_of(raw), mc, raw)

    def test_amount_invalid(self):
        # "`1.0005`, NaN, exponent overflow (`1e400`) or a value beyond ±9e15 mc is invalid";
        # string must be spelled exactly as a JSON number literal
        for raw in ['1.0005', '"1.0005"', '1e400', '"1e400"', '9000000000000.001', '"+5"', '" 5"', '".5"',
                    '"5."', '"NaN"', '""', '"0x10"', 'true', '[1]', '{}', '"5 "', '"١"', '1e-400']:
            with self.assertRaises(tm.Invalid, msg=raw):
                self.amount_of(raw)

    def test_zero_whatever_its_exponent(self):
        # "a zero is 0 whatever its exponent"
        self.assertEqual(self.amount_of('0e400'), 0)
        self.assertEqual(self.amount_of('"0e400"'), 0)
        self.assertEqual(self.amount_of('0.000e-999'), 0)
        r = self.flag('daily_cap', json.loads('0'))
        self.assertEqual(r['status'], 'applied')
        self.assertEqual(self.ap('{"op":"set_flag","flag":"daily_cap","value":0e400,"initiated_by":"o",'
                                 '"at":"%s"}' % at(1))['status'], 'applied')
        # but debit amounts must be > 0
        self.assertInvalid(self.ap('{"op":"debit","user_id":"u","amount":0e400,"at":"%s"}' % at(2)))

    def test_identifiers(self):
        # "1–128 bytes of [A-Za-z0-9._:@-]. Anything else is invalid."
        self.assertEqual(self.grant(user='a' * 128)['status'], 'applied')
        self.assertEqual(self.grant(user='A.z_0:9@x-y')['status'], 'applied')
        for bad in ['a' * 129, '', 'a b', 'ünï', 'a/b', 'a\n']:
            self.assertInvalid(self.grant(user=bad))
        self.assertInvalid(self.ap('{"op":"grant","user_id":5,"amount":1,"initiated_by":"o","at":"%s"}' % at()))

    def test_timestamps(self):
        # "`YYYY-MM-DDTHH:MM:SS[.f]Z`, 1–3 fraction digits, uppercase T and Z, a real calendar instant"
        for good, ms in [('2026-03-01T12:00:00Z', 0), ('2026-03-01T12:00:00.2Z', 200),
                         ('2026-03-01T12:00:00.25Z', 250), ('2026-03-01T12:00:00.250Z', 250),
                         ('2024-02-29T00:00:00Z', None), ('1970-01-01T00:00:00.001Z', None)]:
            v = tm.parse_ts_text(good)
            if ms is not None:
                self.assertEqual(v % 1000, ms)
        self.assertEqual(tm.parse_ts_text('1970-01-01T00:00:00.001Z'), 1)
        for bad in ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-03-01T00:00:60Z',
                    '2026-03-01T00:00:00+00:00', '2026-03-01t00:00:00Z', '2026-03-01T00:00:00z',
                    '2026-03-01T00:00:00.1234Z', '2026-03-01T00:00:00.Z', '2026-3-01T00:00:00Z',
                    '2026-03-01T24:00:00Z', '2026-13-01T00:00:00Z', '2026-03-01 00:00:00Z', '']:
            with self.assertRaises(tm.Invalid, msg=bad):
                tm.parse_ts_text(bad)
        self.assertInvalid(self.debit(t='2026-02-30T00:00:00Z'))

    def test_timestamp_output_three_digits(self):
        self.assertEqual(tm.fmt_ts(tm.parse_ts_text('2026-03-01T12:00:00Z')), '2026-03-01T12:00:00.000Z')
        self.assertEqual(tm.fmt_ts(tm.parse_ts_text('2026-03-01T12:00:00.5Z')), '2026-03-01T12:00:00.500Z')

    def test_integer_fields(self):
        # "a JSON number whose value is whole (5, 5e0, 5.0) and fits Int64; a string, bool or 1.5 → invalid"
        self.ap(cmd('define_plan', 0, plan_id='p', entitlements={'x': 100}, initiated_by='o'))
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        for q in ['5', '5e0', '5.0', '50e-1']:
            r = self.ap('{"op":"consume","user_id":"u","entitlement_key":"x","quantity":%s,"at":"%s"}' % (q, at()))
            self.assertEqual(r['status'], 'applied', q)
        for q in ['"5"', 'true', '1.5', '0', '-1', '9223372036854775808', '1e400']:
            self.assertInvalid(self.ap('{"op":"consume","user_id":"u","entitlement_key":"x","quantity":%s,'
                                       '"at":"%s"}' % (q, at())))
        self.assertEqual(tm.parse_int(tm.JNum('9223372036854775807'), 'x'), tm.INT64_MAX)

    def test_strict_json(self):
        # "Blank lines, duplicate keys in one object, invalid UTF-8 → invalid"; NaN is invalid
        for raw in [b'', b' ', b'[1]', b'"x"', b'null', b'{', b'hello',
                    b'{"op":"debit","user_id":"u","amount":1,"amount":1,"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"define_plan","plan_id":"p","initiated_by":"o","module_rules":{"a":1,"a":1},'
                    b'"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":NaN,"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":Infinity,"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":-Infinity,"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":1,"request_id":"\xff","at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":01,"at":"2026-03-01T00:00:00Z"}',
                    b'{"op":"debit","user_id":"u","amount":1,"at":"2026-03-01T00:00:00Z"} x']:
            self.assertInvalid(self.ap(raw))
        self.assertEqual(self.m.seq, 0)

    def test_unknown_missing_null(self):
        # "Unknown op, unknown fields, missing required fields or bad values give invalid"
        # "null for an optional field means absent; for a required field it is invalid"
        self.assertInvalid(self.ap(cmd('frobnicate', 0, user_id='u')))
        self.assertInvalid(self.ap('{"user_id":"u","amount":1,"at":"%s"}' % at()))
        self.assertInvalid(self.debit(colour='red'))
        self.assertInvalid(self.ap(cmd('debit', 0, user_id='u')))
        self.assertInvalid(self.ap(cmd('debit', 0, user_id=None, amount='1')))
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='u', debit_seq=1, initiated_by='o',
                                       idempotency_key='k')))  # not a refund field
        r = self.debit(session_id=None, idempotency_key=None, request_id=None)
        self.assertEqual(r['status'], 'applied')
        self.assertEqual(self.m.seq, 1)

    def test_admin_grant_bounds(self):
        # "An admin grant (source admin, the default) above 10,000 credits or without initiated_by is invalid"
        self.assertEqual(self.grant(amount='10000')['status'], 'applied')
        self.assertInvalid(self.grant(amount='10000.001'))
        self.assertInvalid(self.ap(cmd('grant', 0, user_id='u', amount='5')))
        self.assertInvalid(self.ap(cmd('grant', 0, user_id='u', amount='5', source='admin')))
        self.assertEqual(self.ap(cmd('grant', 0, user_id='u', amount='20000', source='purchase'))['status'],
                         'applied')
        self.assertInvalid(self.ap(cmd('grant', 0, user_id='u', amount='5', source='gift', initiated_by='o')))
        self.assertInvalid(self.grant(amount='0'))
        self.assertInvalid(self.grant(amount='-1'))

    def test_flag_values(self):
        # Flags: types; "caps are amounts ≥ 0; billing_allowlist is a JSON array of user ids; rollout 0–100"
        self.assertEqual(self.flag('billing_rollout_percentage', 0)['status'], 'applied')
        self.assertEqual(self.flag('billing_rollout_percentage', 100)['status'], 'applied')
        self.assertEqual(self.flag('low_balance_threshold', '-5')['status'], 'applied')
        for name, v in [('billing_rollout_percentage', 101), ('billing_rollout_percentage', -1),
                        ('billing_rollout_percentage', 50.5), ('billing_allowlist', 'u'),
                        ('billing_allowlist', ['ok', 'bad id']), ('shadow_billing_enabled', 'true'),
                        ('billing_charging_enabled', 1), ('daily_cap', '-1'), ('no_such_flag', True),
                        ('single_request_cap', None)]:
            self.assertInvalid(self.flag(name, v))

    def test_define_plan_values(self):
        # thresholds may be partial, unknown keys invalid, values integers ≥ 0; limits −1 or ≥ 0; grace ≥ 0
        ok = self.ap(cmd('define_plan', 0, plan_id='p', thresholds={'warn_pct': 50}, initiated_by='o'))
        self.assertEqual(ok['status'], 'applied')
        self.assertEqual(self.m.plans['p']['thresholds'],
                         {'warn_pct': 50, 'hard_pct': 100, 'grace_hours': 48, 'overage_buffer_pct': 0})
        for extra in [{'thresholds': {'soft': 1}}, {'thresholds': {'hard_pct': -1}}, {'entitlements': {'x': -2}},
                      {'entitlements': {'bad key': 1}}, {'enforcement_grace_count': -1},
                      {'module_rules': [1]}, {'usage_keys': {'x': 'bad key'}}, {'enforcement_enabled': 'yes'},
                      {'module_rules': {'a': 'x' * 17000}}]:
            self.assertInvalid(self.ap(cmd('define_plan', 0, plan_id='p', initiated_by='o', **extra)))
        self.assertInvalid(self.ap(cmd('define_plan', 0, plan_id='p')))  # initiated_by required


class Debit(Base):
    """debit — checks in this order, the first that fires decides."""

    def test_charged_and_balance(self):
        self.grant(amount='10')
        r = self.debit(amount='2.5')
        self.assertEqual(r, {'status': 'applied', 'seq': 2, 'code': 'ok', 'http_status': 200, 'mode': 'charged',
                             'charged': '2.500', 'balance_after': '7.500', 'low_balance': False})

    def test_warn_only_when_enforcement_off(self):
        # 8. "When enforcement is off and balance ≤ 0 the debit is applied with warned:true"
        r = self.debit(amount='1')
        self.assertEqual((r['mode'], r['charged'], r['warned'], r['balance_after']),
                         ('charged', '1.000', True, '-1.000'))
        self.assertTrue(r['low_balance'])

    def test_single_request_cap(self):
        # 4. amount > single_request_cap (user's own limit if set, else the flag) → 422
        self.grant(amount='1000')
        self.assertEqual(self.debit(amount='50')['status'], 'applied')
        self.assertRejected(self.debit(amount='50.001'), 'request_cap_exceeded', 422)
        self.ap(cmd('set_user_limits', 0, user_id='u', single_request_cap='60', initiated_by='o'))
        self.assertEqual(self.debit(amount='55')['status'], 'applied')
        self.ap(cmd('set_user_limits', 0, user_id='u', single_request_cap=None, initiated_by='o'))
        self.assertRejected(self.debit(amount='55'), 'request_cap_exceeded', 422)
        self.ap(cmd('set_user_limits', 0, user_id='u', single_request_cap='0', initiated_by='o'))
        self.assertRejected(self.debit(amount='0.001'), 'request_cap_exceeded', 422)

    def test_kill_switch_free(self):
        # 5. kill switch → applied, charged 0.000, mode free, balance unchanged; before shadow (6)
        self.grant(amount='10')
        self.flag('billing_charging_enabled', False)
        self.flag('shadow_billing_enabled', True)
        r = self.debit(amount='3')
        self.assertEqual((r['mode'], r['charged'], r['balance_after']), ('free', '0.000', '10.000'))
        self.assertNotIn('shadow_charge', r)

    def test_kill_switch_after_cap_and_suspension(self):
        self.flag('billing_charging_enabled', False)
        self.assertRejected(self.debit(amount='51'), 'request_cap_exceeded', 422)
        self.ap(cmd('suspend', 0, user_id='u', initiated_by='o'))
        self.assertRejected(self.debit(amount='51'), 'account_suspended', 403)

    def test_shadow(self):
        # 6. shadow and not in allowlist → mode shadow, shadow_charge; allowlisted users are charged
        self.grant(user='a', amount='10')
        self.grant(user='b', amount='10')
        self.flag('shadow_billing_enabled', True)
        self.flag('billing_allowlist', ['b'])
        r = self.debit(user='a', amount='3')
        self.assertEqual((r['mode'], r['charged'], r['shadow_charge'], r['balance_after']),
                         ('shadow', '0.000', '3.000', '10.000'))
        self.assertEqual(self.debit(user='b', amount='3')['mode'], 'charged')

    def test_rollout_fnv(self):
        # 6. rollout < 100 and fnv1a64(utf8(user_id)) % 100 >= rollout → shadow
        self.assertEqual(tm.fnv1a64(b''), 14695981039346656037)
        self.assertEqual(tm.fnv1a64(b'a'), 0xaf63dc4c8601ec8c)
        self.assertEqual(tm.fnv1a64(b'foobar'), 0x85944171f73967e8)
        users = ['alice', 'bob', 'carol', 'dave', 'erin']
        rollout = 50
        self.flag('billing_rollout_percentage', rollout)
        for u in users:
            self.grant(user=u, amount='10')
            mode = self.debit(user=u, amount='1')['mode']
            self.assertEqual(mode, 'shadow' if tm.fnv1a64(u.encode()) % 100 >= rollout else 'charged', u)
        self.flag('billing_rollout_percentage', 0)
        self.flag('billing_allowlist', ['alice'])
        self.assertEqual(self.debit(user='alice', amount='1')['mode'], 'charged')
        self.assertEqual(self.debit(user='bob', amount='1')['mode'], 'shadow')

    def test_daily_cap(self):
        # 7. charged total on the UTC day of at + amount > daily cap → 429; warn-only counts; refunds don't reduce
        self.flag('daily_cap', '10')
        self.assertTrue(self.debit(amount='6')['warned'])  # warn-only is charged
        r = self.debit(amount='4')
        self.assertEqual(r['status'], 'applied')
        self.grant(amount='100')
        self.ap(cmd('refund', 0, user_id='u', debit_seq=3, initiated_by='o'))
        self.assertRejected(self.debit(amount='0.001'), 'daily_cap_exceeded', 429)
        # next UTC day (base is 10:00 UTC) → allowed
        self.assertEqual(self.debit(amount='10', t=14 * 3600)['status'], 'applied')

    def test_daily_cap_user_limit_and_zero(self):
        # "a daily or session cap of 0 [rejects] every debit that would be charged"
        self.ap(cmd('set_user_limits', 0, user_id='u', daily_cap='0', initiated_by='o'))
        self.assertRejected(self.debit(amount='0.001'), 'daily_cap_exceeded', 429)
        self.flag('shadow_billing_enabled', True)
        self.assertEqual(self.debit(amount='1')['mode'], 'shadow')  # would not be charged: shadow first

    def test_session_cap_window(self):
        # 7. session: debits with that session_id and at in (at − 60 min, at]
        self.grant(amount='1000')
        self.flag('session_cap', '10')
        self.assertEqual(self.debit(amount='6', session_id='s', t=0)['status'], 'applied')
        self.assertEqual(self.debit(amount='6', session_id='other', t=1)['status'], 'applied')
        self.assertEqual(self.debit(amount='6', t=2)['status'], 'applied')  # no session: no session cap
        self.assertRejected(self.debit(amount='4.001', session_id='s', t=3599), 'session_cap_exceeded', 429)
        self.assertEqual(self.debit(amount='4', session_id='s', t=3599)['status'], 'applied')
        # exactly 60 min after the first one: it leaves the window (exclusive lower bound)
        self.assertEqual(self.debit(amount='6', session_id='s', t=3600)['status'], 'applied')

    def test_daily_before_session(self):
        self.grant(amount='1000')
        self.flag('daily_cap', '5')
        self.flag('session_cap', '5')
        self.assertRejected(self.debit(amount='6', session_id='s'), 'daily_cap_exceeded', 429)

    def test_enforcement(self):
        # 8. enforcement on and balance ≤ 0 → 402 with the exact message; a single debit may overdraw (9)
        self.flag('credit_enforcement_enabled', True)
        r = self.debit(amount='1')
        self.assertRejected(r, 'insufficient_credits', 402)
        self.assertEqual(r['message'], 'Insufficient credits. Please top up your account.')
        self.grant(amount='0.001')
        r = self.debit(amount='40')
        self.assertEqual((r['status'], r['balance_after']), ('applied', '-39.999'))
        self.assertNotIn('warned', r)
        self.assertRejected(self.debit(amount='1'), 'insufficient_credits', 402)

    def test_caps_before_enforcement(self):
        self.flag('credit_enforcement_enabled', True)
        self.flag('daily_cap', '0')
        self.assertRejected(self.debit(amount='1'), 'daily_cap_exceeded', 429)

    def test_low_balance(self):
        # "low_balance (= balance_after ≤ low_balance_threshold)"
        self.grant(amount='10')
        self.flag('low_balance_threshold', '5')
        self.assertFalse(self.debit(amount='4.999')['low_balance'])
        self.assertTrue(self.debit(amount='0.001')['low_balance'])  # equal → low
        self.flag('low_balance_threshold', '-1')
        self.assertFalse(self.debit(amount='5')['low_balance'])  # balance 0 > −1

    def test_anomaly_rule(self):
        # n ≥ 5 earlier charged debits, last min(n,20), amount × min(n,20) > 5 × S
        self.grant(amount='10000')
        for _ in range(4):
            self.debit(amount='1')
        self.assertNotIn('anomaly', self.debit(amount='40'))  # n = 4
        # n = 5, S = 44: 5 × amount > 220 ⇔ amount > 44
        self.assertNotIn('anomaly', self.debit(amount='44'))
        # n = 6, S = 88: 6a > 440 ⇔ a > 73.33; use a user cap to allow it
        self.ap(cmd('set_user_limits', 0, user_id='u', single_request_cap='1000', initiated_by='o'))
        self.assertNotIn('anomaly', self.debit(amount='73.333'))
        r = self.debit(amount='73.334', t=1)  # n = 7 now: S = 161.333 → 7a > 806.665 → no
        self.assertNotIn('anomaly', r)
        r = self.debit(amount='200', t=2)  # n = 8, S = 234.667: 8·200 = 1600 > 1173.335 → anomaly
        self.assertTrue(r['anomaly'])

    def test_anomaly_window_of_20_and_only_charged(self):
        self.grant(amount='10000')
        for _ in range(20):
            self.debit(amount='10')
        for _ in range(20):
            self.debit(amount='1')
        # last 20 sum 20 → amount × 20 > 100 ⇔ amount > 5
        self.flag('billing_charging_enabled', False)
        self.debit(amount='50')  # free: not a charged debit, not counted
        self.flag('billing_charging_enabled', True)
        self.assertNotIn('anomaly', self.debit(amount='5'))  # 20 × 5 = 100, not > 5 × 20
        # now the last 20 are 19 × 1 + 5 = 24: 20 × a > 120 ⇔ a > 6 (the 10s of the first 20 are out of the window)
        self.assertTrue(self.debit(amount='6.001')['anomaly'])

    def burst(self, t0):
        """15 small charged debits then a big one at t0 + 15 → an anomaly; the next two 30s are anomalies too
        (n = 16: 16 × 30 > 5 × 45; n = 17: 17 × 30 > 5 × 75; n = 18: 18 × 30 > 5 × 105)."""
        for i in range(15):
            self.debit(amount='1', t=t0 + i)
        return self.debit(amount='30', t=t0 + 15)

    def test_circuit_breaker(self):
        # third anomaly within 60 min with the breaker on → suspension appended with the next seq
        self.grant(amount='10000')
        self.flag('anomaly_circuit_breaker_enabled', True)
        self.assertTrue(self.burst(0)['anomaly'])
        self.assertTrue(self.debit(amount='30', t=20)['anomaly'])
        r = self.debit(amount='30', t=20)
        self.assertTrue(r['anomaly'])
        seq = r['seq']
        self.assertEqual(self.m.seq, seq + 1)  # the suspension took seq + 1
        r2 = self.debit(amount='1', t=30)
        self.assertRejected(r2, 'account_suspended', 403)
        self.assertEqual(r2['seq'], seq + 2)
        self.assertEqual(self.m.state('u')['state'], 'SUSPENDED')

    def test_circuit_breaker_counts_anomalies_while_off_and_across_reinstatement(self):
        # "whether or not the breaker was on when they happened and across reinstatements"; count ≥ 3
        self.grant(amount='10000')
        self.assertTrue(self.burst(0)['anomaly'])
        self.assertTrue(self.debit(amount='30', t=20)['anomaly'])
        self.flag('anomaly_circuit_breaker_enabled', True, t=21)
        n = self.m.seq
        self.assertTrue(self.debit(amount='30', t=22)['anomaly'])
        self.assertEqual(self.m.seq, n + 2)
        self.ap(cmd('reinstate', 23, user_id='u', initiated_by='o'))
        n = self.m.seq
        self.assertTrue(self.debit(amount='30', t=30)['anomaly'])  # 4th within the hour: ≥ 3 → again
        self.assertEqual(self.m.seq, n + 2)

    def test_circuit_breaker_window(self):
        self.grant(amount='10000')
        self.flag('anomaly_circuit_breaker_enabled', True)
        self.assertTrue(self.burst(0)['anomaly'])  # anomaly at t=15
        self.assertTrue(self.debit(amount='30', t=20)['anomaly'])
        n = self.m.seq
        self.assertTrue(self.debit(amount='30', t=3615)['anomaly'])  # t=15 is out of (t − 60 min, t]
        self.assertEqual(self.m.seq, n + 1)
        self.assertNotIn('u', self.m.suspended)


class Idempotency(Base):
    """Edge cases / Idempotency."""

    def test_duplicate_repeats_original(self):
        self.grant(amount='10')
        r1 = self.debit(amount='3', idempotency_key='k', session_id='s')
        self.grant(amount='5')
        r2 = self.debit(amount='3.000', idempotency_key='k', session_id='s', request_id='other', t=5)
        self.assertEqual(r2, dict(r1, status='duplicate'))
        self.assertEqual(r2['balance_after'], '7.000')
        self.assertEqual(self.m.seq, 3)  # nothing appended

    def test_conflict(self):
        self.grant(amount='10')
        self.debit(amount='3', idempotency_key='k')
        self.assertRejected(self.debit(amount='4', idempotency_key='k'), 'idempotency_conflict', 409)
        self.assertRejected(self.debit(amount='3', idempotency_key='k', session_id='s'),
                            'idempotency_conflict', 409)
        self.assertEqual(self.m.seq, 4)

    def test_key_checked_before_suspension(self):
        self.grant(amount='10')
        r = self.debit(amount='3', idempotency_key='k')
        self.ap(cmd('suspend', 0, user_id='u', initiated_by='o'))
        self.assertEqual(self.debit(amount='3', idempotency_key='k')['status'], 'duplicate')
        self.assertRejected(self.debit(amount='2', idempotency_key='k'), 'idempotency_conflict', 409)
        self.assertEqual(r['seq'], 2)

    def test_only_applied_registers(self):
        # "a retry with the same key after a top-up is decided afresh"
        self.flag('credit_enforcement_enabled', True)
        self.assertRejected(self.debit(amount='3', idempotency_key='k'), 'insufficient_credits', 402)
        self.assertEqual(self.debit(amount='4', idempotency_key='k')['code'], 'insufficient_credits')
        self.grant(amount='10')
        r = self.debit(amount='3', idempotency_key='k')
        self.assertEqual((r['status'], r['balance_after']), ('applied', '7.000'))

    def test_namespaces_per_user_and_op(self):
        self.grant(user='a', amount='10', idempotency_key='k')
        self.assertEqual(self.debit(user='a', amount='3', idempotency_key='k')['status'], 'applied')
        self.assertEqual(self.debit(user='b', amount='3', idempotency_key='k')['status'], 'applied')
        self.assertEqual(self.ap(cmd('consume', 0, user_id='a', entitlement_key='x', idempotency_key='k'))['status'],
                         'applied')

    def test_grant_payload_amount_and_source(self):
        r = self.ap(cmd('grant', 0, user_id='u', amount='10', idempotency_key='g', initiated_by='o'))
        d = self.ap(cmd('grant', 1, user_id='u', amount='10.0', source='admin', idempotency_key='g',
                        initiated_by='other', reason='x'))
        self.assertEqual(d, dict(r, status='duplicate'))
        self.assertRejected(self.ap(cmd('grant', 2, user_id='u', amount='10', source='promo', idempotency_key='g')),
                            'idempotency_conflict', 409)

    def test_consume_payload(self):
        r = self.ap(cmd('consume', 0, user_id='u', entitlement_key='x', quantity=2, idempotency_key='c'))
        self.assertEqual(self.ap(cmd('consume', 1, user_id='u', entitlement_key='x', quantity=2,
                                     idempotency_key='c')), dict(r, status='duplicate'))
        self.assertRejected(self.ap(cmd('consume', 1, user_id='u', entitlement_key='x', idempotency_key='c')),
                            'idempotency_conflict', 409)
        self.assertEqual(self.m.usage[('u', 'x')], 2)

    def test_validation_before_idempotency(self):
        self.grant(amount='10', idempotency_key='g')
        self.assertInvalid(self.ap(cmd('grant', 0, user_id='u', amount='10', idempotency_key='g')))


class GrantRefund(Base):
    def test_grant(self):
        r = self.grant(amount='12.5')
        self.assertEqual(r, {'status': 'applied', 'seq': 1, 'code': 'ok', 'http_status': 200,
                             'balance_after': '12.500'})

    def test_refund_default_and_partial(self):
        # "amount (default: all not yet refunded)"; "amount ≤ charged − already refunded, else invalid"
        self.grant(amount='10')
        d = self.debit(amount='4')
        r = self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], amount='1', initiated_by='o'))
        self.assertEqual(r['balance_after'], '7.000')
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], amount='3.001',
                                       initiated_by='o')))
        r = self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], initiated_by='o'))
        self.assertEqual(r['balance_after'], '10.000')
        n = self.m.seq
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], initiated_by='o')))
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], amount='0.001',
                                       initiated_by='o')))
        self.assertEqual(self.m.seq, n)

    def test_refund_must_name_applied_charged_debit_of_this_user(self):
        self.grant(user='a', amount='10')
        d = self.debit(user='a', amount='4')
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='b', debit_seq=d['seq'], initiated_by='o')))
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='a', debit_seq=1, initiated_by='o')))  # a grant
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='a', debit_seq=99, initiated_by='o')))
        self.flag('shadow_billing_enabled', True)
        s = self.debit(user='a', amount='1')
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='a', debit_seq=s['seq'], initiated_by='o')))
        self.flag('daily_cap', '0')
        self.flag('shadow_billing_enabled', False)
        rej = self.debit(user='a', amount='1')
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='a', debit_seq=rej['seq'], initiated_by='o')))
        self.assertInvalid(self.ap(cmd('refund', 0, user_id='a', debit_seq=d['seq'])))  # initiated_by required

    def test_refund_of_warn_only_debit(self):
        d = self.debit(amount='2')
        self.assertTrue(d['warned'])
        r = self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], initiated_by='o'))
        self.assertEqual(r['balance_after'], '0.000')

    def test_suspended_user_grants_and_refunds_apply(self):
        # "Suspension blocks only debit and consume."
        self.grant(amount='10')
        d = self.debit(amount='4')
        self.ap(cmd('suspend', 0, user_id='u', initiated_by='o'))
        self.assertEqual(self.grant(amount='1')['status'], 'applied')
        self.assertEqual(self.ap(cmd('refund', 0, user_id='u', debit_seq=d['seq'], initiated_by='o'))['status'],
                         'applied')
        self.assertEqual(self.ap(cmd('set_user_limits', 0, user_id='u', daily_cap='1', initiated_by='o'))['status'],
                         'applied')
        self.assertRejected(self.ap(cmd('consume', 0, user_id='u', entitlement_key='x')), 'account_suspended', 403)


class FlagsAndSettings(Base):
    enforcement = True

    def test_settings_override_and_config(self):
        self.assertEqual(self.m.settings(), {'enforcement_enabled': True, 'enforcement_source': 'config'})
        r = self.flag('credit_enforcement_enabled', False)
        self.assertEqual(r, {'status': 'applied', 'seq': 1, 'code': 'ok', 'http_status': 200,
                             'enforcement_enabled': False, 'enforcement_source': 'override'})
        r = self.ap(cmd('clear_flag', 0, flag='credit_enforcement_enabled', initiated_by='o'))
        self.assertEqual((r['enforcement_enabled'], r['enforcement_source']), (True, 'config'))
        # a no-op clear is applied and appended
        r = self.ap(cmd('clear_flag', 0, flag='credit_enforcement_enabled', initiated_by='o'))
        self.assertEqual((r['status'], r['seq']), ('applied', 3))
        r = self.flag('daily_cap', '5')
        self.assertEqual((r['enforcement_enabled'], r['enforcement_source']), (True, 'config'))

    def test_clear_flag_returns_default(self):
        self.flag('single_request_cap', '1')
        self.ap(cmd('clear_flag', 0, flag='single_request_cap', initiated_by='o'))
        self.grant(amount='100')
        self.assertEqual(self.debit(amount='50')['status'], 'applied')


class Entitlements(Base):
    def plan(self, pid='p', t=0, **kw):
        kw.setdefault('initiated_by', 'o')
        return self.ap(cmd('define_plan', t, plan_id=pid, **kw))

    def consume(self, key='x', q=None, user='u', t=0, **kw):
        if q is not None:
            kw['quantity'] = q
        return self.ap(cmd('consume', t, user_id=user, entitlement_key=key, **kw))

    def test_no_plan_warned(self):
        # "Else (plan enforcement off, or no plan) → applied, mode warned"; limit 0 = not included
        r = self.consume()
        self.assertEqual(r, {'status': 'applied', 'seq': 1, 'code': 'ok', 'http_status': 200, 'mode': 'warned',
                             'usage_after': 1, 'limit': 0, 'grace_remaining': None, 'override_applied': False})

    def test_within_grace_rejected(self):
        self.plan(entitlements={'x': 2}, enforcement_enabled=True, enforcement_grace_count=2)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        r = self.consume(q=2)
        self.assertEqual((r['mode'], r['usage_after'], r['limit'], r['grace_remaining']), ('within_limit', 2, 2, 2))
        r = self.consume()
        self.assertEqual((r['mode'], r['usage_after'], r['grace_remaining']), ('grace', 3, 1))
        r = self.consume(q=2)
        self.assertRejected(r, 'quota_exceeded', 403)
        self.assertEqual((r['usage_after'], r['limit'], r['grace_remaining'], r['override_applied']),
                         (3, 2, 1, False))
        self.assertIn('x', r['message'])
        r = self.consume()
        self.assertEqual((r['mode'], r['grace_remaining']), ('grace', 0))

    def test_grace_covers_key_not_in_plan(self):
        self.plan(entitlements={'x': 2}, enforcement_enabled=True, enforcement_grace_count=1)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        r = self.consume(key='other')
        self.assertEqual((r['mode'], r['limit'], r['grace_remaining']), ('grace', 0, 0))

    def test_enforcement_off_plan_warned_and_unlimited(self):
        self.plan(entitlements={'x': 1, 'y': -1})
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.consume()
        r = self.consume()
        self.assertEqual((r['mode'], r['grace_remaining']), ('warned', None))
        r = self.consume(key='y', q=1000)
        self.assertEqual((r['mode'], r['limit']), ('within_limit', -1))

    def test_override_resolution_and_expiry(self):
        # "an override of (user, key) whose expires_at is absent or > at"
        self.plan(entitlements={'x': 1}, enforcement_enabled=True)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.ap(cmd('set_override', 0, user_id='u', entitlement_key='x', value=3, expires_at=at(100),
                    initiated_by='o'))
        r = self.consume(q=3, t=99)
        self.assertEqual((r['mode'], r['limit'], r['override_applied']), ('within_limit', 3, True))
        r = self.consume(t=100)  # expires_at == at → expired
        self.assertRejected(r, 'quota_exceeded', 403)
        self.assertEqual((r['limit'], r['override_applied'], r['usage_after']), (1, False, 3))

    def test_set_override_already_expired_is_noop(self):
        # "set_override whose expires_at ≤ its time" is an applied no-op
        self.ap(cmd('set_override', 0, user_id='u', entitlement_key='x', value=5, initiated_by='o'))
        r = self.ap(cmd('set_override', 10, user_id='u', entitlement_key='x', value=1, expires_at=at(10),
                        initiated_by='o'))
        self.assertEqual(r['status'], 'applied')
        self.assertEqual(self.consume(t=11)['limit'], 5)
        self.ap(cmd('clear_override', 12, user_id='u', entitlement_key='x', initiated_by='o'))
        self.assertEqual(self.consume(t=13)['limit'], 0)
        self.assertEqual(self.ap(cmd('clear_override', 14, user_id='u', entitlement_key='x',
                                     initiated_by='o'))['status'], 'applied')

    def test_usage_keys(self):
        # plan usage_keys[key]; else trailing .max → .created; else key
        self.plan(entitlements={'a.max': 10, 'b': 10, 'c': 10}, usage_keys={'b': 'shared', 'c': 'shared'})
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.consume(key='a.max', q=2)
        self.consume(key='a.created', q=1)
        self.assertEqual(self.m.usage[('u', 'a.created')], 3)
        self.consume(key='b', q=2)
        r = self.consume(key='c', q=1)
        self.assertEqual(r['usage_after'], 3)
        self.assertEqual(self.consume(key='x.max.max')['usage_after'], 1)
        self.assertIn(('u', 'x.max.created'), self.m.usage)

    def test_subscribe_resets_grace_only_for_a_different_plan(self):
        self.plan('p', entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=1)
        self.plan('q', entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=1)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.assertEqual(self.consume()['mode'], 'grace')
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.assertEqual(self.consume()['code'], 'quota_exceeded')
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='q'))
        self.assertEqual(self.consume()['mode'], 'grace')
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))  # back to p: reset again
        self.assertEqual(self.consume()['mode'], 'grace')

    def test_define_plan_keeps_counters_negative_remaining(self):
        # "a later define_plan may lower the grace count below the grace already used"
        self.plan(entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=3)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.consume(q=3)
        self.plan(entitlements={'x': 0, 'y': 5}, enforcement_enabled=True, enforcement_grace_count=1)
        r = self.consume(key='y')
        self.assertEqual(r['grace_remaining'], 5 - 4 if False else 1)  # y has its own counter: 1 − 0
        r = self.consume()
        self.assertRejected(r, 'quota_exceeded', 403)
        self.assertEqual(r['grace_remaining'], -2)

    def test_subscribe_unknown_plan_invalid(self):
        self.assertInvalid(self.ap(cmd('subscribe', 0, user_id='u', plan_id='nope')))
        self.assertEqual(self.m.seq, 0)

    def test_quantity_default_and_no_counter_change_on_rejection(self):
        self.plan(entitlements={'x': 1}, enforcement_enabled=True)
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.consume()
        self.assertRejected(self.consume(), 'quota_exceeded', 403)
        self.assertEqual(self.m.usage[('u', 'x')], 1)


class UserLimitsAndNoOps(Base):
    def test_patch_semantics(self):
        # "null clears that cap, an absent field leaves it as it was, no cap field at all is an applied no-op"
        self.grant(amount='1000')
        self.ap(cmd('set_user_limits', 0, user_id='u', single_request_cap='1', daily_cap='2', initiated_by='o'))
        self.ap(cmd('set_user_limits', 0, user_id='u', daily_cap=None, initiated_by='o'))
        self.assertEqual(self.m.user_caps['u'], {'single_request_cap': 1000})
        r = self.ap(cmd('set_user_limits', 0, user_id='u', initiated_by='o'))
        self.assertEqual((r['status'], r['seq']), ('applied', 4))
        self.assertRejected(self.debit(amount='1.001'), 'request_cap_exceeded', 422)

    def test_noops_are_appended(self):
        for line in [cmd('suspend', 0, user_id='u', initiated_by='o'), cmd('suspend', 0, user_id='u', initiated_by='o'),
                     cmd('reinstate', 0, user_id='u', initiated_by='o'),
                     cmd('reinstate', 0, user_id='u', initiated_by='o'),
                     cmd('clear_flag', 0, flag='daily_cap', initiated_by='o'),
                     cmd('clear_override', 0, user_id='u', entitlement_key='x', initiated_by='o')]:
            self.assertEqual(self.ap(line)['status'], 'applied')
        self.assertEqual(self.m.seq, 6)


class Time(Base):
    def test_clamp_to_last_record(self):
        # "The decision time of a command is max(at, time of the last record)"; UTC day uses it
        self.flag('daily_cap', '5', t=14 * 3600)  # 2026-03-02T00:00:00Z
        self.debit(amount='5', t=14 * 3600)
        # stamped the day before, but clamped into 2026-03-02: cap reached
        self.assertRejected(self.debit(amount='1', t=13 * 3600), 'daily_cap_exceeded', 429)
        self.assertEqual(self.m.last_time, BASE + 14 * 3600 * 1000)

    def test_invalid_does_not_move_time(self):
        self.debit(amount='1', t=0)
        self.assertInvalid(self.debit(amount='1.0005', t=1000))
        self.assertEqual(self.m.last_time, BASE)


class EnforcementState(Base):
    def setup_plan(self, **th):
        thresholds = {'warn_pct': 80, 'hard_pct': 100, 'grace_hours': 2, 'overage_buffer_pct': 20}
        thresholds.update(th)
        self.ap(cmd('define_plan', 0, plan_id='p', entitlements={'x': 10, 'y': -1, 'z': 0},
                    thresholds=thresholds, initiated_by='o'))
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))

    def consume(self, q, t, key='x'):
        return self.ap(cmd('consume', t, user_id='u', entitlement_key=key, quantity=q))

    def test_progression(self):
        # ACTIVE unless pct ≥ warn; WARN unless ≥ hard; GRACE until grace_hours after grace_started_at, then
        # DEGRADED if pct ≥ hard + buffer
        self.setup_plan()
        self.consume(1000, 0, key='y')  # unlimited: not counted
        self.assertEqual(self.m.state('u')['state'], 'ACTIVE')
        self.consume(7, 1)
        self.assertEqual(self.m.state('u')['state'], 'ACTIVE')
        self.consume(1, 2)  # 80 %
        self.assertEqual(self.m.state('u'), {'state': 'WARN', 'grace_started_at': None, 'grace_ends_at': None})
        self.consume(2, 3)  # 100 %
        s = self.m.state('u')
        self.assertEqual(s, {'state': 'GRACE', 'grace_started_at': at(3), 'grace_ends_at': at(3 + 7200)})
        # grace over but pct 100 < 120: still GRACE
        self.assertEqual(self.m.state('u', BASE + (3 + 7200) * 1000)['state'], 'GRACE')
        self.consume(2, 4)  # 120 %, grace_started_at kept
        self.assertEqual(self.m.state('u')['grace_started_at'], at(3))
        self.assertEqual(self.m.state('u', BASE + (3 + 7200) * 1000 - 1)['state'], 'GRACE')
        self.assertEqual(self.m.state('u', BASE + (3 + 7200) * 1000)['state'], 'DEGRADED')  # exactly at the end
        # --at before the last record → the last record's time
        self.assertEqual(self.m.state('u', BASE)['state'], 'GRACE')

    def test_cleared_by_record_below_hard(self):
        # "a record after which pct is below hard_pct clears it"
        self.setup_plan()
        self.consume(10, 0)
        self.assertEqual(self.m.state('u')['state'], 'GRACE')
        self.ap(cmd('set_override', 10, user_id='u', entitlement_key='x', value=100, initiated_by='o'))
        self.assertEqual(self.m.state('u')['state'], 'ACTIVE')
        self.assertNotIn('u', self.m.grace_started)
        self.ap(cmd('clear_override', 20, user_id='u', entitlement_key='x', initiated_by='o'))
        self.assertEqual(self.m.state('u')['grace_started_at'], at(20))

    def test_define_plan_of_their_plan_concerns_the_user(self):
        self.setup_plan()
        self.consume(5, 0)
        self.ap(cmd('define_plan', 50, plan_id='p', entitlements={'x': 5}, initiated_by='o'))
        self.assertEqual(self.m.state('u')['grace_started_at'], at(50))
        self.assertEqual(self.m.state('u')['grace_ends_at'], at(50 + 48 * 3600))

    def test_rejected_records_change_nothing(self):
        self.ap(cmd('define_plan', 0, plan_id='p', entitlements={'x': 1}, enforcement_enabled=True,
                    initiated_by='o'))
        self.ap(cmd('subscribe', 0, user_id='u', plan_id='p'))
        self.consume(1, 0)
        start = self.m.grace_started['u']
        self.ap(cmd('set_override', 1, user_id='u', entitlement_key='x', value=5, expires_at=at(5),
                    initiated_by='o'))
        self.assertNotIn('u', self.m.grace_started)
        self.assertRejected(self.consume(5, 10), 'quota_exceeded', 403)  # rejected: not noticed
        self.assertNotIn('u', self.m.grace_started)
        self.assertEqual(start, BASE)

    def test_suspended(self):
        self.setup_plan()
        self.consume(10, 0)
        self.ap(cmd('suspend', 1, user_id='u', initiated_by='o'))
        self.assertEqual(self.m.state('u'), {'state': 'SUSPENDED', 'grace_started_at': None, 'grace_ends_at': None})

    def test_no_plan_is_active(self):
        self.consume(100, 0)
        self.assertEqual(self.m.state('u')['state'], 'ACTIVE')


class Outputs(Base):
    def test_amount_format(self):
        self.assertEqual(tm.fmt_amount(12500), '12.500')
        self.assertEqual(tm.fmt_amount(-1), '-0.001')
        self.assertEqual(tm.fmt_amount(0), '0.000')
        self.assertEqual(tm.fmt_amount(-tm.MC_MAX), '-9000000000000.000')

    def test_balances(self):
        # "balances lists every user with an applied grant, debit (any mode) or refund; liability is Σ of all
        # balances, negative ones included"
        self.grant(user='a', amount='10')
        self.debit(user='b', amount='3')  # warn-only → −3
        self.flag('shadow_billing_enabled', True)
        self.debit(user='c', amount='3')  # shadow → listed with 0
        self.flag('single_request_cap', '0')
        self.debit(user='d', amount='3')  # rejected → not listed
        self.ap(cmd('consume', 0, user_id='e', entitlement_key='x'))
        self.assertEqual(self.m.balances(), {'balances': {'a': '10.000', 'b': '-3.000', 'c': '0.000'},
                                             'liability': '7.000'})

    def test_apply_cli_lines(self):
        # one result per input line, blank line → invalid, final newline does not add a line
        self.assertEqual(tm.split_lines(b'a\n\nb\n'), [b'a', b'', b'b'])
        self.assertEqual(tm.split_lines(b'a'), [b'a'])


if __name__ == '__main__':
    unittest.main()
