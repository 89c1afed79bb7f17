import { describe, expect, it } from "vitest";
import { callbackUrlProblem } from "../../storage/rules/callback-url.js";

describe("callbackUrlProblem", () => {
  it("allows http(s) to loopback hosts by default", () => {
    for (const url of [
      "http://127.0.0.1:9000/x",
      "https://localhost/done?token=a",
      "http://[::1]:80/",
      "http://127.8.9.1/",
    ])
      expect(callbackUrlProblem(url, []), url).toBeUndefined();
  });

  it("refuses other schemes, credentials and non-loopback hosts unless listed", () => {
    expect(callbackUrlProblem("file:///etc/passwd", [])).toContain("scheme 'file'");
    expect(callbackUrlProblem("gopher://127.0.0.1/", [])).toContain("scheme");
    expect(callbackUrlProblem("http://u:p@127.0.0.1/", [])).toContain("user name");
    expect(callbackUrlProblem("relative/path", [])).toContain("absolute");
    expect(callbackUrlProblem("http://169.254.169.254/latest", [])).toContain("hooks.callback_hosts");
    expect(callbackUrlProblem("http://10.0.0.5/", [])).toContain("not allowed");
    expect(callbackUrlProblem("https://CI.example.com/done", ["ci.example.com"])).toBeUndefined();
    expect(callbackUrlProblem("https://other.example.com/", ["ci.example.com"])).toContain("not allowed");
    expect(callbackUrlProblem("https://any.example.net/", ["*"])).toBeUndefined();
  });
});
