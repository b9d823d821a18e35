import fc from 'fast-check';

/**
 * Property tests run from a fixed seed so that CI is deterministic: a counterexample found once is found every
 * time. QNET_FUZZ_SEED=random (or a number) explores other inputs; a failure prints the seed and path to replay.
 */
const env = process.env.QNET_FUZZ_SEED;
if (env !== 'random') fc.configureGlobal({ seed: env ? Number(env) : 20261125 });
