"""Checks of the generator, the probes and tools/difftest itself (against fake_tollgate.py, a CLI backed by the
model). Run: python3 -m unittest discover tools/model
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_commands  # noqa: E402
import probes  # noqa: E402
import tollgate_model as tm  # noqa: E402

DIFFTEST = os.path.join(HERE, '..', 'difftest')
FAKE = os.path.join(HERE, 'fake_tollgate.py')


class Generator(unittest.TestCase):
    def test_deterministic(self):
        self.assertEqual(gen_commands.generate(5, 300), gen_commands.generate(5, 300))
        self.assertNotEqual(gen_commands.generate(5, 300), gen_commands.generate(6, 300))

    def test_covers_every_op_and_outcome(self):
        ops, outcomes = set(), set()
        for seed in range(1, 6):
            m = tm.Model(seed % 2 == 0)
            for line in gen_commands.generate(seed, 2000):
                r = m.apply_line(line)
                try:
                    ops.add(json.loads(line).get('op'))
                except Exception:
                    pass
                outcomes.add((r['status'], r['code'], r.get('mode')))
                if r.get('anomaly'):
                    outcomes.add('anomaly')
                if r.get('warned'):
                    outcomes.add('warned')
        self.assertLessEqual(set(tm.OPS), ops)
        for want in [('applied', 'ok', 'charged'), ('applied', 'ok', 'free'), ('applied', 'ok', 'shadow'),
                     ('applied', 'ok', 'within_limit'), ('applied', 'ok', 'grace'), ('applied', 'ok', 'warned'),
                     ('rejected', 'quota_exceeded', None), ('rejected', 'account_suspended', None),
                     ('rejected', 'request_cap_exceeded', None), ('rejected', 'daily_cap_exceeded', None),
                     ('rejected', 'session_cap_exceeded', None), ('rejected', 'insufficient_credits', None),
                     ('rejected', 'idempotency_conflict', None), ('duplicate', 'ok', 'charged'),
                     ('invalid', 'invalid_request', None), 'anomaly', 'warned']:
            self.assertIn(want, outcomes)

    def test_every_line_has_at_or_is_invalid(self):
        m = tm.Model()
        for line in gen_commands.generate(9, 1000):
            try:
                obj = json.loads(line)
            except Exception:
                continue
            if isinstance(obj, dict) and 'at' not in obj:
                self.assertEqual(m.apply_line(line)['status'], 'invalid')


class Probes(unittest.TestCase):
    def test_probes_run_in_the_model(self):
        for p in probes.probes():
            m = tm.Model(p['enforcement'])
            for line in p['lines']:
                r = m.apply_line(line)
                self.assertIn(r['status'], ('applied', 'rejected', 'duplicate', 'invalid'), p['name'])


class Harness(unittest.TestCase):
    def difftest(self, *args, bug=''):
        env = dict(os.environ, FAKE_TOLLGATE_BUG=bug)
        return subprocess.run([sys.executable, DIFFTEST, '--bin', FAKE] + list(args), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)

    def test_passes_against_itself(self):
        p = self.difftest('--seeds', '1-2', '--commands', '300', '--chunks', '2')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('2 passed, 0 failed', p.stdout)

    def test_catches_injected_bugs(self):
        for bug, kind in [('anomaly', 'missing anomaly'), ('extra', 'extra field'), ('balance', 'balances')]:
            p = self.difftest('--seeds', '1-2', '--commands', '600', bug=bug)
            self.assertEqual(p.returncode, 1, bug)
            self.assertIn(kind, p.stdout, bug)
            self.assertRegex(p.stdout, r'\d+ passed, [1-9]\d* failed', bug)

    def test_minimize(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, FAKE_TOLLGATE_BUG='balance')
            p = subprocess.run([sys.executable, DIFFTEST, '--bin', FAKE, '--seeds', '1', '--commands', '200',
                                '--minimize'], env=env, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=600)
            self.assertIn('minimized to 1 lines', p.stdout)
            self.assertTrue(os.path.exists(os.path.join(d, 'difftest-min-seed-1.jsonl')))

    def test_usage_error(self):
        p = subprocess.run([sys.executable, DIFFTEST, '--bin', '/nonexistent', '--seeds', '1'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 2)


if __name__ == '__main__':
    unittest.main()
