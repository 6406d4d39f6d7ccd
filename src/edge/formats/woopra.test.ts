import { describe, expect, test } from "vitest";
import { fixtureQuery, fixtures } from "./fixtures.ts";
import { parseWoopra, parseWoopraPush } from "./woopra.ts";

const T0 = 1704067200000;

function query(text: string): URLSearchParams {
  return new URLSearchParams(text);
}

describe("parseWoopra on the SDK fixtures", () => {
  test("maps the Node SDK track example of wire-formats.md field by field", () => {
    expect(parseWoopra("ce", fixtureQuery(fixtures.woopraNodeTrack))).toEqual({
      site: "example.com",
      events: [
        {
          visitor: "ck-123",
          name: "flight_search",
          time: T0,
          properties: {
            "context.userAgent": "Mozilla/5.0",
            "context.ip": "1.2.3.4",
            "context.locale": "en",
            "context.screen": "1024x768",
            "context.library.name": "node",
            deal: "SFO-NYC",
            price: "99",
          },
          visitorProperties: { plan: "pro", email: "a@b.c" },
        },
      ],
    });
  });

  test("takes the visitor from cv_email without a cookie and drops the Node SDK's unset defaults", () => {
    expect(parseWoopra("identify", fixtureQuery(fixtures.woopraNodeIdentify))).toEqual({
      site: "example.com",
      events: [
        {
          visitor: "a@b.c",
          name: "identify",
          properties: { "context.library.name": "node" },
          visitorProperties: { email: "a@b.c", name: "Ann Lee" },
        },
      ],
    });
  });

  test("maps the browser tracker's project, idptnc, session and org properties", () => {
    expect(parseWoopra("ce", fixtureQuery(fixtures.woopraBrowserTrack))).toEqual({
      site: "example.com",
      events: [
        {
          id: "act-1",
          visitor: "ck-9",
          name: "pv",
          properties: {
            url: "https://example.com/",
            title: "Home",
            "session.campaign": "spring",
            "org.name": "Acme",
            "context.screen": "1440x900",
            "context.locale": "en-US",
            "context.page.referrer": "https://google.com/",
            "context.library.name": "js-client",
          },
          visitorProperties: { id: "u-9" },
        },
      ],
    });
  });

  test("turns update into a new event pointing at the updated action", () => {
    expect(parseWoopra("update", fixtureQuery(fixtures.woopraBrowserUpdate)).events).toEqual([
      {
        visitor: "ck-9",
        name: "update",
        properties: { "scroll depth": "0.75", duration: 12345, actionId: "act-1", action: "pv" },
        visitorProperties: {},
      },
    ]);
  });

  test("answers ping with no event but still names the site", () => {
    expect(parseWoopra("ping", fixtureQuery(fixtures.woopraBrowserPing))).toEqual({
      site: "example.com",
      events: [],
    });
  });

  test("tolerates host=, &&, a trailing & and drops [object Object] values", () => {
    expect(parseWoopra("ce", fixtureQuery(fixtures.woopraQuirks))).toEqual({
      site: "example.com",
      events: [
        { visitor: "ck-7", name: "search", properties: { q: "shoes" }, visitorProperties: {} },
      ],
    });
  });
});

describe("parseWoopra", () => {
  test("prefers website over project over host", () => {
    expect(parseWoopra("ping", query("host=h&project=p&website=w")).site).toBe("w");
    expect(parseWoopra("ping", query("host=h&project=p")).site).toBe("p");
    expect(parseWoopra("ping", query("cookie=c")).site).toBeUndefined();
  });

  test("prefers cookie over cv_id over cv_email as the visitor", () => {
    const visitor = (q: string) => parseWoopra("ce", query(q)).events[0];
    expect(visitor("cv_email=e&cv_id=i&cookie=c")).toMatchObject({ visitor: "c" });
    expect(visitor("cv_email=e&cv_id=i")).toMatchObject({ visitor: "i" });
    expect(visitor("cv_email=e&cookie=%5Bobject%20Object%5D")).toMatchObject({ visitor: "e" });
  });

  test("names an event without event= pv, as Woopra's tracker does", () => {
    expect(parseWoopra("ce", query("cookie=c")).events[0]).toMatchObject({ name: "pv" });
  });

  test("keeps the last value of a repeated parameter", () => {
    const [event] = parseWoopra("ce", query("cookie=c&referer=a&referer=b&ce_x=1&ce_x=2")).events;
    expect(event).toMatchObject({ properties: { x: "2", "context.page.referrer": "b" } });
  });

  test("reports a missing visitor, a bad timestamp and an update without idptnc", () => {
    expect(parseWoopra("ce", query("website=w&event=e")).events).toEqual([
      { code: "missing_visitor", message: "cookie, cv_id or cv_email is required" },
    ]);
    expect(parseWoopra("ce", query("cookie=c&timestamp=2024-01-01")).events).toEqual([
      { code: "invalid_time", message: "timestamp must be epoch ms at or after 1970" },
    ]);
    expect(parseWoopra("update", query("cookie=c&duration=5")).events).toEqual([
      { code: "missing_action_id", message: "idptnc (the updated action's id) is required" },
    ]);
  });

  test("ignores prefixes with nothing after them and protocol parameters", () => {
    const [event] = parseWoopra(
      "ce",
      query("cookie=c&ce_=1&cv_=2&instance=woopra&meta=x&timeout=30000&response=json&ra=abc"),
    ).events;
    expect(event).toEqual({ visitor: "c", name: "pv", properties: {}, visitorProperties: {} });
  });

  test("drops a duration that is not a count of ms", () => {
    const [event] = parseWoopra("ce", query("cookie=c&duration=soon")).events;
    expect(event).not.toHaveProperty("properties.duration");
  });
});

describe("parseWoopraPush", () => {
  test("reads the beacon fixture: one event per line, none for ping", () => {
    const batch = parseWoopraPush(fixtures.woopraPush.form.payload);
    expect(batch).toEqual({
      site: "example.com",
      events: [
        {
          id: "act-2",
          visitor: "ck-9",
          name: "pv",
          properties: {
            url: "https://example.com/pricing",
            title: "Pricing",
            duration: 1500,
          },
          visitorProperties: { id: "u-9" },
        },
        {
          visitor: "ck-9",
          name: "update",
          properties: { "scroll depth": 0.75, duration: 12345, actionId: "act-1", action: "pv" },
          visitorProperties: {},
        },
        {
          visitor: "ck-9",
          name: "identify",
          properties: {},
          visitorProperties: { email: "a@b.c", plan: "pro" },
        },
      ],
    });
  });

  test("keeps good lines around bad ones, naming each bad line's number", () => {
    const ok = JSON.stringify({ endpoint: "ce", params: { project: "p", cookie: "c" } });
    const lines = [
      ok,
      "{not json",
      "[1,2]",
      JSON.stringify({ endpoint: "launch", params: {} }),
      JSON.stringify({ endpoint: "ce", params: "cookie=c" }),
      JSON.stringify({ endpoint: "ce", params: { project: "other", cookie: "c" } }),
      JSON.stringify({ endpoint: "ce", params: { project: "p" } }),
      "",
      JSON.stringify({ endpoint: "/ce/", params: { cookie: "c", event: "last" } }),
    ];
    expect(parseWoopraPush(lines.join("\r\n"))).toEqual({
      site: "p",
      events: [
        { visitor: "c", name: "pv", properties: {}, visitorProperties: {} },
        { code: "invalid_json", message: "payload line 2 is not JSON" },
        { code: "not_an_object", message: "payload line 3 must be an object, got an array" },
        {
          code: "unknown_type",
          message: "payload line 4: endpoint must be one of ce, identify, update, ping",
        },
        {
          code: "not_an_object",
          message: "payload line 5: params must be an object, got a string",
        },
        { code: "site_mismatch", message: "payload line 6: project other differs from p" },
        {
          code: "missing_visitor",
          message: "payload line 7: cookie, cv_id or cv_email is required",
        },
        { visitor: "c", name: "last", properties: {}, visitorProperties: {} },
      ],
    });
  });

  test("keeps JSON types of beacon values, reads numeric timestamps and drops null", () => {
    const line = JSON.stringify({
      endpoint: "ce",
      params: { cookie: 12, timestamp: T0, ce_n: 3, ce_b: false, ce_o: { a: 1 }, ce_z: null },
    });
    expect(parseWoopraPush(line).events).toEqual([
      {
        visitor: "12",
        name: "pv",
        time: T0,
        properties: { n: 3, b: false, o: { a: 1 } },
        visitorProperties: {},
      },
    ]);
  });

  test("returns no events for an empty payload", () => {
    expect(parseWoopraPush("")).toEqual({ events: [] });
    expect(parseWoopraPush("\n\n")).toEqual({ events: [] });
  });
});
