/* Runs scoring cases through the runtime learners run (sabaq.js), for tests/js/test_scoring.py.

   stdin:  {"score": [{"question": <runtime question JSON>, "response": ...}, ...],
            "numbers": ["typed text", ...]}
   stdout: {"score": [{"fraction": 0.5} or {"error": "..."}, ...],
            "numbers": [{"number": 21} or {"number": null} or {"error": "..."}, ...]}

   A number JSON cannot hold (Infinity, NaN) is reported as its text, e.g. "Infinity". */
"use strict";

var path = require("path");
var sabaq = require(path.join(__dirname, "..", "..", "builder", "themes", "default", "static", "sabaq.js"));

function attempt(run) {
  try {
    return run();
  } catch (error) {
    return { error: String((error && error.stack) || error) };
  }
}

function number(value) {
  return typeof value === "number" && !isFinite(value) ? String(value) : value;
}

var chunks = [];
process.stdin.setEncoding("utf8");
process.stdin.on("data", function (chunk) {
  chunks.push(chunk);
});
process.stdin.on("end", function () {
  var request = JSON.parse(chunks.join(""));
  var result = {
    score: (request.score || []).map(function (item) {
      return attempt(function () {
        return { fraction: number(sabaq.scoreQuestion(item.question, item.response)) };
      });
    }),
    numbers: (request.numbers || []).map(function (typed) {
      return attempt(function () {
        return { number: number(sabaq.parseLearnerNumber(typed)) };
      });
    })
  };
  process.stdout.write(JSON.stringify(result));
});
