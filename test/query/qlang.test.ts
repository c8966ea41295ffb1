// The query filter language of the command line, checked against Ganeti's own expectations
// (its test/py/ganeti.qlang_unittest.py cases, rewritten here) and evaluated by qfilter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dnsNameGlobPattern, makeFilter, parseFilter, plainNames } from "../../src/query/qlang.js";
import { evalFilter } from "../../src/query/qfilter.js";
import { OpPrereqError, QueryFilterParseError, formatError } from "../../src/errors.js";

/** As Ganeti's _Test: the same filter from MakeFilter (detected, or forced) and ParseFilter. */
function check(text: string, expected: unknown, expectDetected = true): void {
  assert.deepEqual(makeFilter([text], !expectDetected), expected, `makeFilter ${text}`);
  assert.deepEqual(parseFilter(text), expected, `parseFilter ${text}`);
}

test("filters parse as Ganeti's qlang parses them", () => {
  check('name=="foobar"', ["==", "name", "foobar"]);
  check("name=='foobar'", ["==", "name", "foobar"]);
  check('name="foobar"', ["==", "name", "foobar"]); // legacy "="
  check("name='foobar'", ["==", "name", "foobar"]);
  check("valA==1 and valB==2 or valC==3", ["|", ["&", ["==", "valA", 1], ["==", "valB", 2]], ["==", "valC", 3]]);
  check('(name\n=="foobar") and (xyz=="va)ue" and k == 256 or x ==\t"y"\n) and mc',
    ["&", ["==", "name", "foobar"], ["|", ["&", ["==", "xyz", "va)ue"], ["==", "k", 256]], ["==", "x", "y"]], ["?", "mc"]]);
  check('(xyz=="v" or k == 256 and x == "y")', ["|", ["==", "xyz", "v"], ["&", ["==", "k", 256], ["==", "x", "y"]]]);
  check("valA==1 and valB==2 and valC==3", ["&", ["==", "valA", 1], ["==", "valB", 2], ["==", "valC", 3]]);
  check("master or field", ["|", ["?", "master"], ["?", "field"]]);
  check("mem == 128", ["==", "mem", 128]);
  check("negfield != -1", ["!=", "negfield", -1]);
  check("master", ["?", "master"], false);
  check("not master", ["!", ["?", "master"]]);
  for (const op of ["not", "and", "or"]) {
    check(`${op}xyz`, ["?", `${op}xyz`], false);
    check(`not ${op}xyz`, ["!", ["?", `${op}xyz`]]);
    check(`  not \t${op}foo`, ["!", ["?", `${op}foo`]]);
    check(`${op}name =~ m/abc/`, ["=~", `${op}name`, "abc"]);
  }
  check("master and not other", ["&", ["?", "master"], ["!", ["?", "other"]]]);
  check("not (master or other == 4)", ["!", ["|", ["?", "master"], ["==", "other", 4]]]);
  check('some=="val\\"ue"', ["==", "some", 'val\\"ue']);
  check("123 in ips", ["=[]", "ips", 123]);
  check("99 not in ips", ["!", ["=[]", "ips", 99]]);
  check('"a" in valA and "b" not in valB', ["&", ["=[]", "valA", "a"], ["!", ["=[]", "valB", "b"]]]);
  check("name =~ m/test/", ["=~", "name", "test"]);
  check("name =~ m/^node.*example.com$/i", ["=~", "name", "(?i)^node.*example.com$"]);
  check("(name =~ m/^node.*example.com$/s and master) or pip =~ |^3.*|",
    ["|", ["&", ["=~", "name", "(?s)^node.*example.com$"], ["?", "master"]], ["=~", "pip", "^3.*"]]);
  for (const flags of ["si", "is", "ssss", "iiiisiii"]) check(`name =~ m/gi/${flags}`, ["=~", "name", `(?${[...flags].sort().join("")})gi`]);
  for (const d of "/#^|") {
    check(`name =~ m${d}test${d}`, ["=~", "name", "test"]);
    check(`name !~ m${d}test${d}`, ["!", ["=~", "name", "test"]]);
    check(`not\tname =~ m${d}test${d}`, ["!", ["=~", "name", "test"]]);
    check(`notname =~ m${d}test${d}`, ["=~", "notname", "test"]);
  }
  check("name =* '*.site'", ["=~", "name", dnsNameGlobPattern("*.site")]);
  check("field !* '*.example.*'", ["!", ["=~", "field", dnsNameGlobPattern("*.example.*")]]);
  check("ctime < 1234", ["<", "ctime", 1234]);
  check("ctime > 1234", [">", "ctime", 1234]);
  check("mtime <= 9999", ["<=", "mtime", 9999]);
  check("mtime >= 9999", [">=", "mtime", 9999]);
});

test("bad filters are refused with the filter, a caret and the reason, as Ganeti prints them", () => {
  for (const bad of ["#invalid!filter#", "m/x/,", "name=~m#a#g", "name=~^[^", "asdf =~ m|abc|I", "name =~ /foobarbaz#",
    "name <> value", "name => value", "name =< value", "foo==bar", "foo+=1", ""]) {
    assert.throws(() => parseFilter(bad), (e: unknown) => {
      assert.ok(e instanceof QueryFilterParseError, bad);
      const details = e.args[1] as string[];
      assert.equal(details.length, 3, bad);
      assert.equal(details[0], bad);
      assert.match(details[1]!, /^ *\^$/);
      return true;
    });
  }
  const f = formatError((() => {
    try {
      parseFilter("name <> 1");
    } catch (e) {
      return e;
    }
    return null;
  })());
  assert.equal(f.exitCode, 1);
  assert.match(f.text, /^Error while parsing query filter: Failed to parse query filter 'name <> 1': .*\nname <> 1\n {6}\^\n/);
});

test("list arguments become Ganeti's filters: names, globs, job IDs, or one filter", () => {
  assert.equal(makeFilter([], false), null);
  assert.deepEqual(makeFilter(["web1", "web2"], false), ["|", ["==", "name", "web1"], ["==", "name", "web2"]]);
  assert.deepEqual(makeFilter(["mailA", "mailB"], false, "id"), ["|", ["==", "id", "mailA"], ["==", "id", "mailB"]]);
  for (const args of [[], ["1", "2"], ["", "", ""], ["a", "b", "c", "d"]]) assert.throws(() => makeFilter(args, true), OpPrereqError);
  assert.throws(() => makeFilter(["*.site"], true), QueryFilterParseError);
  assert.deepEqual(makeFilter(["web1"], true), ["?", "web1"]);
  assert.deepEqual(makeFilter(["foo/bar"], false), ["?", "foo/bar"]);
  assert.deepEqual(makeFilter(["foo=='bar'"], false), ["==", "foo", "bar"]);
  for (const name of ["node1", "n-o-d-e", "n_o_d_e", "node1.example.com", "node1.example.com."]) {
    assert.deepEqual(makeFilter([name], false), ["|", ["==", "name", name]]);
  }
  assert.deepEqual(makeFilter(["*.a", "*.b", "?.c"], false), ["|", ...["*.a", "*.b", "?.c"].map((g) => ["=~", "name", dnsNameGlobPattern(g)])]);
  // Jobs: numbers, and Python's int() refusal for anything else
  assert.deepEqual(makeFilter(["5", " 7 ", "+8"], false, "id", true), ["|", ["==", "id", 5], ["==", "id", 7], ["==", "id", 8]]);
  assert.throws(() => makeFilter(["x1"], false, "id", true),
    (e: unknown) => e instanceof OpPrereqError && e.message === "Invalid job ID passed: invalid literal for int() with base 10: 'x1'");
  assert.equal(plainNames(["node1", "node2"], false), true);
  assert.equal(plainNames(["node*"], false), false);
  assert.equal(plainNames(["offline"], true), false);
});

test("globs match DNS names part by part, and regexp flags are honoured when filters run", () => {
  assert.equal(dnsNameGlobPattern("*.site"), "^[^.]*\\.site(\\..*)?$");
  const names = ["node1", "node12", "node1.example.com", "web1.site", "a.b.site", "NODE3"];
  const select = (f: unknown): string[] => names.filter((n) => evalFilter(f as readonly unknown[], () => n));
  assert.deepEqual(select(makeFilter(["node?"], false)), ["node1", "node1.example.com"]);
  assert.deepEqual(select(makeFilter(["*.site"], false)), ["web1.site"]);
  assert.deepEqual(select(parseFilter("name =~ m/^node/i")), ["node1", "node12", "node1.example.com", "NODE3"]);
  assert.deepEqual(select(parseFilter("name !~ m/^node/")), ["web1.site", "a.b.site", "NODE3"]);
  assert.deepEqual(select(parseFilter('name == "node12" or name =* "a.*"')), ["node12", "a.b.site"]);
});
