"""Hand-written probe streams for `tools/difftest --probes`: the edges random streams rarely reach and the places
where the contract can be read two ways (docs/reference-model.md, "Interpretations"). Each probe is compared
line by line, plus `balances`, `settings`, `state` at the listed times, and `replay --verify`, like a seed.
"""

import json

T0 = '2026-03-01T10:00:00'


def at(sec=0, ms=0):
    total = sec * 1000 + ms
    from tollgate_model import parse_ts_text, fmt_ts
    return fmt_ts(parse_ts_text(T0 + 'Z') + total)


def c(op, t=0, **f):
    d = {'op': op}
    d.update(f)
    d['at'] = at(t) if isinstance(t, int) else t
    return json.dumps(d, separators=(',', ':'))


def grant(u, amount, t=0, **f):
    f.setdefault('initiated_by', 'ops')
    return c('grant', t, user_id=u, amount=amount, **f)


def debit(u, amount, t=0, **f):
    return c('debit', t, user_id=u, amount=amount, **f)


def probe(name, lines, states=(), enforcement=False, default_states=True, note=''):
    return {'name': name, 'lines': [x if isinstance(x, bytes) else x.encode('utf-8') for x in lines],
            'states': list(states), 'enforcement': enforcement, 'default_states': default_states, 'note': note}


def probes():
    P = []
    H = 3600
    P.append(probe('grace-reached-by-override-expiry', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 2}, thresholds={'grace_hours': 1}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('set_override', 0, user_id='u', entitlement_key='x', value=10, expires_at=at(600), initiated_by='o'),
        c('consume', 1, user_id='u', entitlement_key='x', quantity=2),
        grant('v', '1', t=1200),  # another user's record moves the log past the expiry
    ], states=[('u', None), ('u', at(1200 + 2 * H))],
        note='interpretation 36: pct ≥ hard only through time, no record set grace_started_at'))
    P.append(probe('grace-started-at-next-record-after-expiry', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 2}, thresholds={'grace_hours': 1}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('set_override', 0, user_id='u', entitlement_key='x', value=10, expires_at=at(600), initiated_by='o'),
        c('consume', 1, user_id='u', entitlement_key='x', quantity=2),
        grant('u', '1', t=1200),
    ], states=[('u', None), ('u', at(1200 + H - 1)), ('u', at(1200 + H))]))
    P.append(probe('set-override-already-expired-keeps-existing', [
        c('set_override', 0, user_id='u', entitlement_key='x', value=5, initiated_by='o'),
        c('set_override', 10, user_id='u', entitlement_key='x', value=1, expires_at=at(10), initiated_by='o'),
        c('consume', 11, user_id='u', entitlement_key='x', quantity=3),
        c('set_override', 12, user_id='u', entitlement_key='x', value=1, expires_at=at(5), initiated_by='o'),
        c('consume', 13, user_id='u', entitlement_key='x', quantity=1),
    ], note='interpretation 27'))
    P.append(probe('refund-default-when-nothing-left', [
        grant('u', '10'), debit('u', '4', t=1),
        c('refund', 2, user_id='u', debit_seq=2, initiated_by='o'),
        c('refund', 3, user_id='u', debit_seq=2, initiated_by='o'),
        c('refund', 4, user_id='u', debit_seq=2, amount='0.001', initiated_by='o'),
        grant('u', '1', t=5),
    ], note='interpretation 25'))
    P.append(probe('user-limits-are-per-cap', [
        grant('u', '1000'),
        c('set_user_limits', 1, user_id='u', daily_cap='1000', initiated_by='o'),
        debit('u', '60', t=2),  # single-request cap still the flag's 50
        c('set_flag', 3, flag='daily_cap', value='10', initiated_by='o'),
        c('set_user_limits', 4, user_id='u', single_request_cap='100', daily_cap=None, initiated_by='o'),
        debit('u', '20', t=5),  # daily cap back to the flag's 10
        debit('u', '60', t=6, session_id='s'),
        c('clear_flag', 7, flag='daily_cap', initiated_by='o'),
        debit('u', '60', t=8, session_id='s'),
        debit('u', '60', t=9, session_id='s'),  # session cap: flag 100
    ], note='interpretation 22'))
    P.append(probe('grant-idempotency-effective-source', [
        grant('u', '5', idempotency_key='k'),
        grant('u', '5.000', t=1, source='admin', idempotency_key='k', reason='again'),
        grant('u', '5', t=2, source='promo', idempotency_key='k'),
        c('grant', 3, user_id='u', amount='5', source='promo', idempotency_key='k2'),
        c('grant', 4, user_id='u', amount=5, source='promo', idempotency_key='k2', initiated_by='x'),
        debit('u', '1', t=5, idempotency_key='k'),
        debit('u', '1', t=6, idempotency_key='k', session_id='s'),
        c('suspend', 7, user_id='u', initiated_by='o'),
        debit('u', '1', t=8, idempotency_key='k', request_id='r2'),
    ], note='interpretations 23, 24'))
    P.append(probe('amount-edges', [
        '{"op":"grant","user_id":"u","amount":"9000000000000","source":"purchase","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":9e12,"source":"purchase","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"9000000000000.001","source":"purchase","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":9000000000000000e-3,"source":"purchase","at":"%s"}' % at(0),
        '{"op":"debit","user_id":"u","amount":1e-400,"at":"%s"}' % at(1),
        '{"op":"debit","user_id":"u","amount":"1E+1","at":"%s"}' % at(1),
        '{"op":"debit","user_id":"u","amount":0.0010000000000000000000000000000000001e3,"at":"%s"}' % at(1),
        '{"op":"debit","user_id":"u","amount":100000000000000000000000000000000000000e-38,"at":"%s"}' % at(1),
        '{"op":"debit","user_id":"u","amount":1e-1,"at":"%s"}' % at(1),
        '{"op":"debit","user_id":"u","amount":-0,"at":"%s"}' % at(1),
        '{"op":"set_flag","flag":"daily_cap","value":0.000e-999,"initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_flag","flag":"daily_cap","value":"-0","initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_flag","flag":"daily_cap","value":-0.0,"initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_flag","flag":"low_balance_threshold","value":"-9000000000000","initiated_by":"o","at":"%s"}'
        % at(2),
        '{"op":"set_flag","flag":"low_balance_threshold","value":-9000000000000.001,"initiated_by":"o","at":"%s"}'
        % at(2),
        '{"op":"set_flag","flag":"daily_cap","value":1e400,"initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_flag","flag":"daily_cap","value":"0e400","initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_flag","flag":"daily_cap","value":1e99999999999999999999,"initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"clear_flag","flag":"daily_cap","initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"debit","user_id":"u","amount":"0.001","at":"%s"}' % at(3),
    ]))
    P.append(probe('integer-edges', [
        c('define_plan', 0, plan_id='p', entitlements={'x': -1}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        '{"op":"consume","user_id":"u","entitlement_key":"x","quantity":1.0e0,"at":"%s"}' % at(1),
        '{"op":"consume","user_id":"u","entitlement_key":"x","quantity":-0,"at":"%s"}' % at(1),
        '{"op":"consume","user_id":"u","entitlement_key":"x","quantity":10e-1,"at":"%s"}' % at(1),
        '{"op":"consume","user_id":"u","entitlement_key":"x","quantity":9223372036854775807e0,"at":"%s"}' % at(1),
        '{"op":"consume","user_id":"u","entitlement_key":"x","quantity":0.9223372036854775808e19,"at":"%s"}' % at(1),
        '{"op":"set_override","user_id":"u","entitlement_key":"y","value":-0,"initiated_by":"o","at":"%s"}' % at(2),
        '{"op":"set_override","user_id":"u","entitlement_key":"y","value":-1.0,"initiated_by":"o","at":"%s"}'
        % at(2),
        '{"op":"refund","user_id":"u","debit_seq":-9223372036854775808,"initiated_by":"o","at":"%s"}' % at(3),
        '{"op":"refund","user_id":"u","debit_seq":-9223372036854775809,"initiated_by":"o","at":"%s"}' % at(3),
        '{"op":"set_flag","flag":"billing_rollout_percentage","value":1e2,"initiated_by":"o","at":"%s"}' % at(4),
        '{"op":"set_flag","flag":"billing_rollout_percentage","value":-0,"initiated_by":"o","at":"%s"}' % at(4),
    ]))
    P.append(probe('usage-overflow', [
        c('consume', 0, user_id='u', entitlement_key='x', quantity=9223372036854775807),
        c('set_override', 0, user_id='u', entitlement_key='x', value=-1, initiated_by='o'),
        c('consume', 1, user_id='u', entitlement_key='x', quantity=9223372036854775807),
        c('consume', 2, user_id='u', entitlement_key='x', quantity=1),
    ], note='contract silent: usage counters past Int64'))
    P.append(probe('balance-overflow', [
        '{"op":"grant","user_id":"u","amount":"9000000000000","source":"purchase","at":"%s"}' % at(i // 10)
        for i in range(1030)] + [debit('u', '1', t=200)],
        note='contract silent: a balance past Int64 (1025 grants of 9e15 mc)'))
    P.append(probe('line-whitespace-and-cr', [
        '  ' + grant('u', '1') + '  ',
        '\t' + grant('u', '1', t=1),
        grant('u', '1', t=2) + '\r',
        '\r',
        '\u00a0' + grant('u', '1', t=3),
        grant('u', '1', t=4) + '\f',
    ], note='interpretation 15'))
    P.append(probe('json-escapes', [
        '{"op":"grant","user_id":"\\u0061lice","amount":1,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","\\u006fp":"grant","op":"grant","user_id":"a","amount":1,"initiated_by":"o","at":"%s"}'
        % at(0),
        '{"\\u006fp":"grant","user_id":"a","amount":1,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"\\ud800","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"\\ud83d\\ude00 \\u0000","at":"%s"}'
        % at(0),
        '{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"\x01","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"a","amount":"\\u0031","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","at":"2026-03-01T10:00:0\\u0031Z"}',
        b'\xef\xbb\xbf' + grant('a', '1').encode(),
        ('{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"%s","at":"%s"}'
         % ('\u00e9\u4e2d', at(0))),
        b'{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"\xed\xa0\x80","at":"' +
        at(0).encode() + b'"}',
        b'{"op":"grant","user_id":"a","amount":1,"initiated_by":"o","reason":"\xc0\xaf","at":"' +
        at(0).encode() + b'"}',
    ], note='contract: "reason: any JSON string"; identifiers after unescaping'))
    P.append(probe('long-line', [
        grant('u', '1', reason='r' * (1024 * 1024 + 10)),
        grant('u', '1', t=1, reason='r' * 100000),
    ], note='contract sets no line length; reason is any JSON string'))
    P.append(probe('module-rules', [
        c('define_plan', 0, plan_id='p', module_rules={'a': 1e300}, initiated_by='o'),
        '{"op":"define_plan","plan_id":"p","module_rules":{"n":1e400},"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"define_plan","plan_id":"p","module_rules":{"n":[1,{"a":{"b":null}}]},"initiated_by":"o","at":"%s"}'
        % at(0),
        # compact text exactly 16384 bytes: {"a":"…"} is 8 + n
        c('define_plan', 1, plan_id='p', module_rules={'a': 'x' * (16384 - 8)}, initiated_by='o'),
        c('define_plan', 2, plan_id='p', module_rules={'a': 'x' * (16384 - 7)}, initiated_by='o'),
        # non-compact spelling of a compact-16384 object
        '{"op":"define_plan","plan_id":"p","module_rules": { "a" : "%s" } ,"initiated_by":"o","at":"%s"}'
        % ('x' * (16384 - 8), at(3)),
        '{"op":"define_plan","plan_id":"p","module_rules":{},"initiated_by":"o","at":"%s"}' % at(4),
        '{"op":"define_plan","plan_id":"p","module_rules":null,"initiated_by":"o","at":"%s"}' % at(4),
    ], note='interpretation 17'))
    P.append(probe('thresholds-null-inside', [
        '{"op":"define_plan","plan_id":"p","thresholds":{"warn_pct":null},"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"define_plan","plan_id":"p","thresholds":null,"entitlements":null,"usage_keys":null,'
        '"enforcement_enabled":null,"enforcement_grace_count":null,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"define_plan","plan_id":"p","entitlements":{"x":null},"initiated_by":"o","at":"%s"}' % at(0),
    ], note='interpretation 16'))
    P.append(probe('grace-ends-exactly', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 2},
          thresholds={'grace_hours': 1, 'overage_buffer_pct': 0}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('consume', 5, user_id='u', entitlement_key='x', quantity=2),
    ], states=[('u', at(5 + H - 1, 999)), ('u', at(5 + H)), ('u', at(5 + H, 1))], note='interpretation 35'))
    P.append(probe('grace-zero-hours-and-buffer', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 10, 'y': 4},
          thresholds={'warn_pct': 50, 'hard_pct': 60, 'grace_hours': 0, 'overage_buffer_pct': 30}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('consume', 1, user_id='u', entitlement_key='x', quantity=6),
        c('consume', 2, user_id='v', entitlement_key='x', quantity=6),
        c('subscribe', 3, user_id='v', plan_id='p'),
        c('consume', 4, user_id='v', entitlement_key='y', quantity=4),
        c('define_plan', 5, plan_id='q', entitlements={'x': 10}, thresholds={'warn_pct': 90, 'hard_pct': 50},
          initiated_by='o'),
        c('subscribe', 6, user_id='w', plan_id='q'),
        c('consume', 7, user_id='w', entitlement_key='x', quantity=7),
    ], states=[('u', None), ('v', None), ('w', None)], note='interpretation 37 (hard < warn)'))
    P.append(probe('define-plan-starts-and-clears-grace', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 10}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('consume', 1, user_id='u', entitlement_key='x', quantity=5),
        c('define_plan', 100, plan_id='p', entitlements={'x': 5}, thresholds={'grace_hours': 1}, initiated_by='o'),
        c('define_plan', 200, plan_id='p', entitlements={'x': 5, 'z': 1}, thresholds={'grace_hours': 1},
          initiated_by='o'),
        c('set_flag', 300, flag='daily_cap', value='1', initiated_by='o'),
        c('define_plan', 400, plan_id='q', entitlements={'x': 100}, initiated_by='o'),
    ], states=[('u', None), ('u', at(100 + H)), ('u', at(200 + H))]))
    P.append(probe('circuit-breaker-again-after-reinstate', [grant('u', '1000')] +
        [debit('u', '1', t=i) for i in range(1, 16)] + [
        debit('u', '30', t=16), debit('u', '30', t=17),
        c('set_flag', 18, flag='anomaly_circuit_breaker_enabled', value=True, initiated_by='o'),
        debit('u', '30', t=19, idempotency_key='big'),
        debit('u', '30', t=20, idempotency_key='big'),
        c('reinstate', 21, user_id='u', initiated_by='o'),
        debit('u', '30', t=22, idempotency_key='big'),
        debit('u', '40', t=23),
        c('refund', 24, user_id='u', debit_seq=21, initiated_by='o'),
        c('refund', 24, user_id='u', debit_seq=22, initiated_by='o'),
        c('reinstate', 25, user_id='u', initiated_by='o'),
        debit('u', '1', t=3700),
    ], states=[('u', None)], note='interpretation 30'))
    P.append(probe('subscribe-resets-grace', [
        c('define_plan', 0, plan_id='p', entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=1,
          initiated_by='o'),
        c('define_plan', 0, plan_id='q', entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=2,
          initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('consume', 1, user_id='u', entitlement_key='x'),
        c('consume', 2, user_id='u', entitlement_key='x'),
        c('subscribe', 3, user_id='u', plan_id='p'),
        c('consume', 4, user_id='u', entitlement_key='x'),
        c('subscribe', 5, user_id='u', plan_id='q'),
        c('consume', 6, user_id='u', entitlement_key='x', quantity=2),
        c('subscribe', 7, user_id='u', plan_id='p'),
        c('consume', 8, user_id='u', entitlement_key='x'),
        c('define_plan', 9, plan_id='p', entitlements={'x': 0}, enforcement_enabled=True, enforcement_grace_count=0,
          initiated_by='o'),
        c('consume', 10, user_id='u', entitlement_key='x'),
        c('define_plan', 11, plan_id='p', entitlements={'x': 0}, enforcement_enabled=False, initiated_by='o'),
        c('consume', 12, user_id='u', entitlement_key='x'),
    ], note='interpretations 11, 31'))
    P.append(probe('usage-keys-shared-and-max', [
        c('define_plan', 0, plan_id='p', entitlements={'a.max': 3, 'b': 3, 'c.max': 3},
          usage_keys={'b': 'a.created', 'c.max': 'c.max'}, initiated_by='o'),
        c('subscribe', 0, user_id='u', plan_id='p'),
        c('consume', 1, user_id='u', entitlement_key='a.max', quantity=2),
        c('consume', 2, user_id='u', entitlement_key='b'),
        c('consume', 3, user_id='u', entitlement_key='a.created'),
        c('consume', 4, user_id='u', entitlement_key='c.max', quantity=3),
        c('consume', 5, user_id='u', entitlement_key='c.created'),
        c('consume', 6, user_id='u', entitlement_key='.max'),
        c('consume', 7, user_id='u', entitlement_key='M' * 126 + '.max'),
    ], states=[('u', None)]))
    P.append(probe('clamp-and-day-boundary', [
        c('set_flag', '2026-03-01T23:59:59.999Z', flag='daily_cap', value='10', initiated_by='o'),
        debit('u', '10', t='2026-03-01T23:59:59.999Z'),
        debit('u', '1', t='2026-03-01T12:00:00Z'),  # clamped to 23:59:59.999: same day → rejected
        debit('u', '10', t='2026-03-02T00:00:00Z'),
        debit('u', '0.001', t='2026-03-01T00:00:00.5Z'),
        c('set_override', '2026-03-01T00:00:00Z', user_id='u', entitlement_key='x', value=1,
          expires_at='2026-03-02T00:00:00.001Z', initiated_by='o'),
        c('consume', '2026-03-01T00:00:00Z', user_id='u', entitlement_key='x'),
        c('consume', '2026-03-02T00:00:00.001Z', user_id='u', entitlement_key='x'),
    ]))
    P.append(probe('extreme-years', [
        grant('u', '1', t='0000-01-01T00:00:00Z'),
        grant('u', '1', t='1969-12-31T23:59:59.999Z'),
        grant('u', '1', t='2000-02-29T00:00:00Z'),
        grant('u', '1', t='1900-02-29T00:00:00Z'),
        grant('u', '1', t='9999-12-31T23:59:59.999Z'),
        grant('u', '1', t='2026-03-01T00:00:00Z'),
    ], default_states=False, states=[('u', None)]))
    P.append(probe('rollout-and-allowlist', [
        c('set_flag', 0, flag='billing_rollout_percentage', value=0, initiated_by='o'),
        debit('a', '1', t=1), debit('b', '1', t=1),
        c('set_flag', 2, flag='billing_allowlist', value=['a', 'a'], initiated_by='o'),
        debit('a', '1', t=3), debit('b', '1', t=3),
        c('set_flag', 4, flag='billing_rollout_percentage', value=100, initiated_by='o'),
        c('set_flag', 4, flag='shadow_billing_enabled', value=True, initiated_by='o'),
        debit('a', '1', t=5), debit('b', '1', t=5),
        c('set_flag', 6, flag='billing_allowlist', value=[], initiated_by='o'),
        debit('a', '1', t=7),
        c('set_flag', 8, flag='billing_charging_enabled', value=False, initiated_by='o'),
        debit('a', '1', t=9), debit('b', '60', t=9),
        c('set_flag', 10, flag='credit_enforcement_enabled', value=True, initiated_by='o'),
    ] + [c('set_flag', 11, flag='billing_rollout_percentage', value=p, initiated_by='o') for p in (37,)] +
        [x for u in ('alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'u:42', 'L' * 128)
         for x in (c('clear_flag', 12, flag='billing_charging_enabled', initiated_by='o'),
                   c('clear_flag', 12, flag='shadow_billing_enabled', initiated_by='o'),
                   grant(u, '5', t=12), debit(u, '1', t=13))],
        enforcement=True))
    P.append(probe('enforcement-config-override', [
        debit('u', '1', t=0),
        c('set_flag', 1, flag='credit_enforcement_enabled', value=False, initiated_by='o'),
        debit('u', '1', t=2),
        c('clear_flag', 3, flag='credit_enforcement_enabled', initiated_by='o'),
        debit('u', '1', t=4),
        grant('u', '0.001', t=5),
        debit('u', '1', t=6),
    ], enforcement=True))
    P.append(probe('refund-targets', [
        grant('a', '100'), debit('a', '5', t=1), debit('b', '5', t=1),
        c('set_flag', 2, flag='shadow_billing_enabled', value=True, initiated_by='o'),
        debit('a', '5', t=3),
        c('clear_flag', 4, flag='shadow_billing_enabled', initiated_by='o'),
        c('refund', 5, user_id='a', debit_seq=3, initiated_by='o'),  # b's debit
        c('refund', 5, user_id='a', debit_seq=5, initiated_by='o'),  # shadow
        c('refund', 5, user_id='a', debit_seq=1, initiated_by='o'),  # a grant
        c('refund', 5, user_id='a', debit_seq=4, initiated_by='o'),  # a flag
        c('refund', 5, user_id='b', debit_seq=3, amount='5.001', initiated_by='o'),
        c('refund', 5, user_id='b', debit_seq=3, amount='2', initiated_by='o', reason=''),
        c('refund', 6, user_id='b', debit_seq=3, initiated_by='o'),
        c('suspend', 7, user_id='a', initiated_by='o'),
        c('refund', 8, user_id='a', debit_seq=2, amount='1', initiated_by='o'),
    ]))
    P.append(probe('blank-lines-and-unknown-user-state', [
        grant('u', '1'), b'', grant('u', '1', t=1), b'   ', b'',
    ], states=[('nobody', None), ('u', None)]))
    P.append(probe('batch-time-span-over-49.7-days', [
        grant('u', '1', t='2026-01-01T00:00:00Z'),
        grant('u', '1', t='2026-03-01T00:00:00Z'),
    ], note='valid commands 59 days apart in one apply run'))
    P.append(probe('deep-nesting', [
        '{"op":"define_plan","plan_id":"p","initiated_by":"o","module_rules":{"a":%s%s},"at":"%s"}'
        % ('[' * d, ']' * d, at(0)) for d in (100, 1000, 5000, 8180, 8200)] + [
        '{"op":"grant","user_id":"u","amount":1,"initiated_by":"o","x":%s%s,"at":"%s"}' % ('[' * 200000, ']' * 200000,
                                                                                           at(1)),
        '{"op":"grant","user_id":"u","amount":1,"initiated_by":"o","x":%s,"at":"%s"}' % ('[' * 200000, at(1)),
        grant('u', '1', t=2),
    ], note='module_rules ≤ 16 KiB may nest ~8,000 deep; deeper input must not crash the parser'))
    P.append(probe('number-spellings-exact', [
        '{"op":"grant","user_id":"u","amount":1000000000000000000000e-9,"source":"purchase","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"0.0000000000000000000001e22","at":"%s","initiated_by":"o"}' % at(0),
        '{"op":"grant","user_id":"u","amount":-0.0e-0,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":1E-0,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":0.%s1e3,"initiated_by":"o","at":"%s"}' % ('0' * 1000, at(0)),
        '{"op":"grant","user_id":"u","amount":1%se-1000,"initiated_by":"o","at":"%s"}' % ('0' * 1000, at(0)),
        '{"op":"grant","user_id":"u","amount":1%s,"source":"purchase","at":"%s"}' % ('0' * 5000, at(0)),
        '{"op":"grant","user_id":"u","amount":1e-99999999999999999999,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"1e+2","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"1.5E-2","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"-1","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"1e","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"01","initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":"1\\u0030","initiated_by":"o","at":"%s"}' % at(0),
        '{ "op" : "grant" , "user_id" : "u" , "amount" : 2 , "initiated_by" : "o" , "at" : "%s" }' % at(0),
        '{"op":"grant","user_id":"u","amount":1,"initiated_by":"o","reason":"a\\/b\\"c","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":1,"initiated_by":"o","reason":"\\x","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u\\u00e9","amount":1,"initiated_by":"o","at":"%s"}' % at(0),
        '{"op":"grant","user_id":"u","amount":1,"initiated_by":"o","at":"%s","op":"debit"}' % at(0),
    ]))
    users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']
    setup = [c('define_plan', 0, plan_id='p', entitlements={'x': 2}, thresholds={'grace_hours': 1},
               initiated_by='o')]
    for u in users:
        setup += [c('subscribe', 0, user_id=u, plan_id='p'), grant(u, '100'),
                  c('set_override', 0, user_id=u, entitlement_key='x', value=10, expires_at=at(600),
                    initiated_by='o'),
                  c('consume', 1, user_id=u, entitlement_key='x', quantity=2),
                  debit(u, '1', t=2, idempotency_key='k')]
    P.append(probe('which-records-concern-the-user', setup + [
        c('set_user_limits', 1200, user_id='u1', initiated_by='o'),           # applied no-op: starts grace
        debit('u2', '60', t=1200),                                            # rejected (cap): nothing
        debit('u3', '1', t=1200, idempotency_key='k'),                        # duplicate: no record
        c('set_flag', 1200, flag='daily_cap', value='400', initiated_by='o'),  # global: concerns nobody
        c('clear_override', 1200, user_id='u5', entitlement_key='other', initiated_by='o'),  # no-op: starts
        c('suspend', 1200, user_id='u6', initiated_by='o'),                   # starts, but SUSPENDED
        c('reinstate', 1300, user_id='u6', initiated_by='o'),
        c('set_flag', 1400, flag='daily_cap', value='500', initiated_by='o'),
    ], states=[(u, t) for u in users for t in (None, at(1200 + H), at(1300 + H))],
        note='interpretation 34: grace_started_at only after applied records of the user'))
    P.append(probe('batch-bytes-over-4-MiB', [
        grant('u', '1', t=i, reason='r' * 800_000) for i in range(6)] + [grant('u', '1', t=10)],
        note='valid lines under 1 MiB each whose records add up to more than one 4 MiB log batch'))
    P.append(probe('many-medium-lines', [
        grant('u', '1', t=i // 100, reason='m' * 2000) for i in range(3000)],
        note='3,000 lines of ~2 KB: one apply batch of ~6 MB'))
    return P
