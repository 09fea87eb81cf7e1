// Property tests draw new random cases on every local run, to keep finding edge cases; CI draws
// the same ones every time (FC_SEED to change them), so that a CI result is reproducible. Either
// way a failure prints its seed and counterexample.
import fc from 'fast-check';

if (process.env.CI || process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
