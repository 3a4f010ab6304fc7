import { describe, expect, it } from "vitest"
import * as LoginThrottle from "../src/LoginThrottle.js"

describe("LoginThrottle", () => {
  it("counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64", () => {
    expect(LoginThrottle.sourceKey("203.0.113.7")).toBe("203.0.113.7")
    expect(LoginThrottle.sourceKey("::ffff:203.0.113.7")).toBe("203.0.113.7")
    expect(LoginThrottle.sourceKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64")
    expect(LoginThrottle.sourceKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64")
    expect(LoginThrottle.sourceKey("2001:db8::1")).toBe("2001:db8:0:0::/64")
    expect(LoginThrottle.sourceKey("::1")).toBe("0:0:0:0::/64")
    expect(LoginThrottle.sourceKey(undefined)).toBe("unknown")
  })

  it("remembers a bounded number of addresses, however many an attacker uses", () => {
    const throttle = LoginThrottle.make({
      perAddress: { perSecond: 0.01, burst: 1 },
      perClient: { perSecond: 0.01, burst: 1 }
    })
    for (let i = 0; i < LoginThrottle.maxTracked + 5_000; i++) {
      throttle.failed("nobody", `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false, 0)
      throttle.succeeded("someone", `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 0)
    }
    expect(throttle.size()).toEqual({
      addresses: LoginThrottle.maxTracked,
      knownGood: LoginThrottle.maxTracked,
      clients: 0
    })
  })

  it("a known-good pair expires after a day", () => {
    const throttle = LoginThrottle.make({
      perAddress: { perSecond: 0.001, burst: 1 },
      perClient: { perSecond: 1, burst: 9 }
    })
    throttle.succeeded("ci", "192.0.2.1", 0)
    throttle.failed("x", "192.0.2.1", false, 0)
    expect(throttle.before("ci", "192.0.2.1", 1_000)).toEqual({ refused: false })
    expect(throttle.before("other", "192.0.2.1", 1_000).refused).toBe(true)
    // A day later the address is out of failures again: the pair no longer exempts it.
    throttle.failed("x", "192.0.2.1", false, LoginThrottle.knownGoodMs)
    throttle.failed("x", "192.0.2.1", false, LoginThrottle.knownGoodMs)
    expect(throttle.before("ci", "192.0.2.1", LoginThrottle.knownGoodMs + 1).refused).toBe(true)
  })
})
