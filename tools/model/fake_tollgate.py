#!/usr/bin/env python3
"""A stand-in `tollgate` CLI backed by the reference model, to check tools/difftest itself.

It keeps the applied input lines in DIR/lines.jsonl and re-runs the model over them for every query.
`FAKE_TOLLGATE_BUG=<name>` injects a deliberate bug so that the harness can be seen catching it:
`anomaly` (off-by-one in the anomaly rule), `extra` (an extra `field` key on invalid results),
`balance` (balances off by 1 mc for one user).

    tools/difftest --bin tools/model/fake_tollgate.py --seeds 1-3
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tollgate_model as tm  # noqa: E402


def written_config(data_dir):
    path = os.path.join(data_dir, 'config')
    return open(path).read() == 'true' if os.path.exists(path) else None


def load(data_dir, until_seq=None):
    config = written_config(data_dir)
    if config is None:
        config = os.environ.get('CREDIT_ENFORCEMENT_ENABLED') == 'true'
    m = tm.Model(config_enforcement=config)
    path = os.path.join(data_dir, 'lines.jsonl')
    if os.path.exists(path):
        for line in tm.split_lines(open(path, 'rb').read()):
            if until_seq is not None and m.seq >= until_seq:
                break
            m.apply_line(line)
    return m


def main(argv):
    cmd, rest = argv[0], argv[1:]
    opts, pos = {}, []
    i = 0
    while i < len(rest):
        if rest[i] in ('--data', '--user', '--at', '--until-seq', '--until'):
            opts[rest[i]] = rest[i + 1]
            i += 2
        else:
            pos.append(rest[i])
            i += 1
    data_dir = opts['--data']
    os.makedirs(data_dir, exist_ok=True)
    bug = os.environ.get('FAKE_TOLLGATE_BUG', '')
    until = int(opts['--until-seq']) if '--until-seq' in opts else None
    if '--until' in opts:
        full = load(data_dir)
        until = sum(1 for x in full.record_times if x <= tm.parse_ts_text(opts['--until']))
    m = load(data_dir, until)
    if cmd == 'apply':
        if written_config(data_dir) is None:
            with open(os.path.join(data_dir, 'config'), 'w') as f:
                f.write('true' if os.environ.get('CREDIT_ENFORCEMENT_ENABLED') == 'true' else 'false')
        files = [p for p in pos if not p.startswith('--')]
        data = open(files[0], 'rb').read() if files else sys.stdin.buffer.read()
        with open(os.path.join(data_dir, 'lines.jsonl'), 'ab') as log:
            for line in tm.split_lines(data):
                r = m.apply_line(line)
                if bug == 'extra' and r['status'] == 'invalid':
                    r['field'] = 'x'
                if bug == 'anomaly' and r.get('mode') == 'charged' and r.get('anomaly') and r['seq'] % 3 == 0:
                    del r['anomaly']
                log.write(line + b'\n')
                print(tm.dumps(r))
    elif cmd == 'balances':
        b = m.balances()
        if bug == 'balance' and b['balances']:
            u = sorted(b['balances'])[0]
            b['balances'][u] = tm.fmt_amount(tm.scaled_integer(b['balances'][u], 3) + 1)
        print(tm.dumps(b))
    elif cmd == 'settings':
        print(tm.dumps(m.settings()))
    elif cmd == 'state':
        at = opts.get('--at')
        print(tm.dumps(m.state(opts['--user'], tm.parse_ts_text(at) if at else None)))
    elif cmd == 'replay':
        out = {'ok': True, 'records': min(m.record_count, until or m.record_count), 'violations': []}
        told = os.environ.get('CREDIT_ENFORCEMENT_ENABLED') == 'true'
        if told != m.config_enforcement and m.config_debits['decisive']:
            out['ok'] = False
            out['violations'] = [{'invariant': 'recorded enforcement', 'seq': 0, 'detail': 'config differs'}]
            print(tm.dumps(out))
            return 1
        out.update(m.balances())
        print(tm.dumps(out))
    else:
        return 64
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
