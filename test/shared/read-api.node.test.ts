import { afterAll } from "vitest";
import { noKeySuite, readApiSuite } from "./read-api.suite.js";
import { nodeTarget } from "./targets.js";

// The shared black-box suite against the Node gateway (see read-api.workerd.test.ts for workerd).
const withKeys = nodeTarget(true);
const withoutKeys = nodeTarget(false);
afterAll(() => Promise.all([withKeys.stop(), withoutKeys.stop()]));

readApiSuite(withKeys);
noKeySuite(withoutKeys);
