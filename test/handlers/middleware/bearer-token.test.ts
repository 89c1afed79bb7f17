import { describe, expect, it } from "vitest";
import { bearerToken } from "../../../handlers/middleware/bearer-token.js";

describe("bearerToken", () => {
  it("reads the token of a Bearer header, any case of the scheme", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("  bearer   abc  ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer ")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
