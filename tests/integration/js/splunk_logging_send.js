// Sends events to alertd through Splunk's own HEC client library
// (npm splunk-logging), so the tests see what the library really puts on
// the wire: its default path /services/collector/event/1.0, time as a
// string, the {message, severity} event shape and its batching.
//
// Usage: node splunk_logging_send.js '<json>' where json is
//   {"url": "http://127.0.0.1:PORT", "token": "...", "maxBatchCount": 1,
//    "payloads": [{"message": ..., "metadata": {...}, "severity": "..."}]}
// Prints one JSON line per answer the library's callback receives:
//   {"error": null|"text", "status": 200, "body": {...}}
"use strict";

const SplunkLogger = require("splunk-logging").Logger;

const spec = JSON.parse(process.argv[2]);
const logger = new SplunkLogger({
  token: spec.token,
  url: spec.url,
  maxBatchCount: spec.maxBatchCount || 1,
  maxRetries: 0,
});
// The library logs errors to the console by default; report them as data.
logger.error = function (err) {
  console.log(JSON.stringify({ library_error: String(err.message || err), code: err.code }));
};

function report(err, resp, body) {
  console.log(JSON.stringify({
    error: err ? String(err.message || err) : null,
    status: resp ? resp.statusCode : null,
    body: body === undefined ? null : body,
  }));
}

for (const payload of spec.payloads) logger.send(payload, report);
// With batching, send() queues and posts each full batch itself; flush what
// is left (flushing an empty queue would post an empty body: code 5).
const batch = spec.maxBatchCount || 1;
if (batch > 1 && spec.payloads.length % batch !== 0) logger.flush(report);
