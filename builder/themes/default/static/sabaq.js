/*
 * Sabaq learner runtime.
 *
 * Every package page loads this one script. A lesson page only tells the player
 * which lesson it shows. The player page (the SCO's launch file) owns the session
 * with the LMS: it finds the API the way the standard prescribes, initialises once,
 * records progress and the bookmark, commits on every change of state and when the
 * page is hidden, and finishes once. With no LMS it keeps progress in the browser.
 */
(function () {
  "use strict";

  var body = document.body;
  var role = body.getAttribute("data-sabaq-page");
  if (role === "player") {
    startPlayer();
  } else if (role === "lesson") {
    startLesson();
  } else if (role === "home") {
    markSeen(rememberVisit(body.getAttribute("data-course"), null));
  }

  /* ------------------------------------------------------------------ lesson page */

  function startLesson() {
    if (window.parent === window) {
      // Opened on its own (offline website, a page opened from disk): remember
      // the visit in this browser so the outline can tick what was read.
      var seen = rememberVisit(body.getAttribute("data-course"), body.getAttribute("data-lesson"));
      markSeen(seen);
      return;
    }
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source === window.parent && data && data.sabaq === "state") {
        markSeen(data.seen || []);
      }
    });
    window.parent.postMessage({ sabaq: "lesson", id: body.getAttribute("data-lesson") }, "*");
  }

  function rememberVisit(courseId, lessonId) {
    var key = "sabaq:" + courseId + ":seen";
    var seen = [];
    try {
      seen = JSON.parse(window.localStorage.getItem(key) || "[]");
      if (lessonId && seen.indexOf(lessonId) === -1) {
        seen.push(lessonId);
        window.localStorage.setItem(key, JSON.stringify(seen));
      }
    } catch (unavailable) {
      // Storage disabled or full: the course still reads, only without ticks.
    }
    return seen;
  }

  function markSeen(seenIds) {
    var links = document.querySelectorAll("a[data-lesson]");
    for (var i = 0; i < links.length; i++) {
      if (seenIds.indexOf(links[i].getAttribute("data-lesson")) !== -1) {
        links[i].classList.add("is-seen");
      }
    }
  }

  /* ------------------------------------------------------------------ player page */

  function startPlayer() {
    var course = JSON.parse(document.getElementById("sabaq-course").textContent);
    var frame = document.getElementById("sabaq-frame");
    var lms = connect(body.getAttribute("data-sabaq-api"), course);
    var byId = {};
    var keyToId = {};
    course.lessons.forEach(function (lesson) {
      byId[lesson.id] = lesson;
      keyToId[lesson.key] = lesson.id;
    });
    var progress = {};
    var current = course.lessons[0].id;
    var startedAt = Date.now();
    var started = false;
    var finished = false;

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (!started || finished || event.source !== frame.contentWindow || !data) {
        return;
      }
      if (data.sabaq !== "lesson" || !byId[data.id]) {
        return;
      }
      current = data.id;
      progress[data.id] = true;
      lms.save(current, encodeProgress(progress, byId), isComplete(), seenFraction());
      frame.contentWindow.postMessage({ sabaq: "state", seen: Object.keys(progress) }, "*");
    });

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && started && !finished) {
        lms.pause(elapsedSeconds(), isComplete());
      }
    });
    // Browsers no longer run unload handlers reliably; pagehide is the last safe moment.
    window.addEventListener("pagehide", function () {
      if (started && !finished) {
        finished = true;
        lms.finish(elapsedSeconds(), isComplete());
      }
    });

    Promise.resolve()
      .then(function () {
        return lms.start();
      })
      .catch(function () {
        // The LMS could not be reached: the learner can still read the course.
        lms = browserOnly(course);
        return lms.start();
      })
      .then(function (saved) {
        progress = decodeProgress(saved.suspendData, keyToId);
        current = byId[saved.location] ? saved.location : course.lessons[0].id;
        started = true;
        frame.src = byId[current].href;
      });

    function isComplete() {
      return course.lessons.every(function (lesson) {
        return progress[lesson.id];
      });
    }

    function seenFraction() {
      return Object.keys(progress).length / course.lessons.length;
    }

    function elapsedSeconds() {
      return (Date.now() - startedAt) / 1000;
    }
  }

  /* Progress is stored as short keys derived from lesson ids (see model.progress_keys),
     so it fits SCORM 1.2's 4,096 characters and survives lessons being reordered. */
  function encodeProgress(progress, byId) {
    var keys = Object.keys(progress).map(function (id) {
      return byId[id].key;
    });
    keys.sort();
    return JSON.stringify({ v: 1, seen: keys.join(".") });
  }

  function decodeProgress(text, keyToId) {
    var progress = {};
    try {
      var data = JSON.parse(text || "{}");
      (data.seen ? String(data.seen).split(".") : []).forEach(function (key) {
        if (keyToId[key]) {
          progress[keyToId[key]] = true;
        }
      });
    } catch (ignored) {
      // Data written by another package version or tool: start afresh rather than fail.
    }
    return progress;
  }

  /* ------------------------------------------------------------------ LMS adapters
     Each adapter offers start() → {location, suspendData} (or a promise of it),
     save(location, suspendData, complete, fraction), pause(seconds, complete) and
     finish(seconds, complete). The player never speaks a standard's data model. */

  function connect(kind, course) {
    var api;
    if (kind === "scorm12" && (api = findApi("API"))) {
      return scorm12(api);
    }
    if (kind === "scorm2004" && (api = findApi("API_1484_11"))) {
      return scorm2004(api);
    }
    if (kind === "cmi5" && cmi5LaunchParameters()) {
      return cmi5(cmi5LaunchParameters(), course);
    }
    return browserOnly(course);
  }

  /* The ADL discovery algorithm: walk up the parents, then try the opener's chain. */
  function findApi(name) {
    return searchParents(window, name) || (window.opener ? searchParents(window.opener, name) : null);
  }

  function searchParents(win, name) {
    for (var hops = 0; win && hops < 500; hops++) {
      try {
        if (win[name]) {
          return win[name];
        }
      } catch (crossOrigin) {
        return null;
      }
      if (!win.parent || win.parent === win) {
        return null;
      }
      win = win.parent;
    }
    return null;
  }

  function scorm12(api) {
    var completed = false;
    function set(element, value) {
      api.LMSSetValue(element, String(value));
    }
    function writeSession(seconds, complete) {
      set("cmi.core.session_time", scorm12Timespan(seconds));
      // "suspend" keeps the attempt open so the next launch resumes it.
      set("cmi.core.exit", complete ? "" : "suspend");
    }
    return {
      start: function () {
        api.LMSInitialize("");
        var status = api.LMSGetValue("cmi.core.lesson_status");
        completed = status === "completed" || status === "passed";
        if (status === "not attempted" || status === "") {
          set("cmi.core.lesson_status", "incomplete");
          api.LMSCommit("");
        }
        return {
          location: api.LMSGetValue("cmi.core.lesson_location"),
          suspendData: api.LMSGetValue("cmi.suspend_data")
        };
      },
      save: function (location, suspendData, complete) {
        set("cmi.core.lesson_location", location);
        set("cmi.suspend_data", suspendData);
        if (complete && !completed) {
          completed = true;
          set("cmi.core.lesson_status", "completed");
        }
        api.LMSCommit("");
      },
      pause: function (seconds, complete) {
        writeSession(seconds, complete);
        api.LMSCommit("");
      },
      finish: function (seconds, complete) {
        writeSession(seconds, complete);
        api.LMSCommit("");
        api.LMSFinish("");
      }
    };
  }

  function scorm2004(api) {
    var completed = false;
    function set(element, value) {
      api.SetValue(element, String(value));
    }
    function writeSession(seconds, complete) {
      set("cmi.session_time", isoDuration(seconds));
      set("cmi.exit", complete ? "normal" : "suspend");
    }
    return {
      start: function () {
        api.Initialize("");
        var status = api.GetValue("cmi.completion_status");
        completed = status === "completed";
        if (!completed) {
          // Completion and success are separate in 2004: success stays "unknown"
          // until a graded quiz decides it.
          set("cmi.completion_status", "incomplete");
          api.Commit("");
        }
        return { location: api.GetValue("cmi.location"), suspendData: api.GetValue("cmi.suspend_data") };
      },
      save: function (location, suspendData, complete, fraction) {
        set("cmi.location", location);
        set("cmi.suspend_data", suspendData);
        set("cmi.progress_measure", Math.min(1, fraction).toFixed(4));
        if (complete && !completed) {
          completed = true;
          set("cmi.completion_status", "completed");
        }
        api.Commit("");
      },
      pause: function (seconds, complete) {
        writeSession(seconds, complete);
        api.Commit("");
      },
      finish: function (seconds, complete) {
        writeSession(seconds, complete);
        api.Commit("");
        api.Terminate("");
      }
    };
  }

  /* cmi5: the LMS launches the AU with its LRS address and a one-time token URL. */
  function cmi5LaunchParameters() {
    var query = new URLSearchParams(window.location.search);
    var names = ["endpoint", "fetch", "actor", "registration", "activityId"];
    for (var i = 0; i < names.length; i++) {
      if (!query.get(names[i])) {
        return null;
      }
    }
    return {
      endpoint: query.get("endpoint").replace(/\/?$/, "/"),
      fetchUrl: query.get("fetch"),
      actor: JSON.parse(query.get("actor")),
      registration: query.get("registration"),
      activityId: query.get("activityId")
    };
  }

  function cmi5(launch, course) {
    var VERBS = "http://adlnet.gov/expapi/verbs/";
    var CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/";
    var STATE_ID = "https://w3id.org/xapi/sabaq/state/progress";
    var auth = "";
    var launchData = {};
    var completedSent = false;
    var startedAt = Date.now();

    function request(method, url, body, keepalive) {
      var headers = { "X-Experience-API-Version": "1.0.3", Authorization: auth };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
      }
      return fetch(url, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        keepalive: !!keepalive
      });
    }

    function ok(response) {
      if (!response.ok) {
        throw new Error("the LRS answered " + response.status);
      }
      return response;
    }

    function stateUrl(stateId) {
      return launch.endpoint + "activities/state?" + new URLSearchParams({
        stateId: stateId,
        activityId: launch.activityId,
        agent: JSON.stringify(launch.actor),
        registration: launch.registration
      }).toString();
    }

    function statement(verb, result, categories, keepalive) {
      var template = launchData.contextTemplate || {};
      var activities = JSON.parse(JSON.stringify(template.contextActivities || {}));
      activities.category = (activities.category || []).concat(
        categories.map(function (name) {
          return { id: CATEGORY + name };
        })
      );
      var context = JSON.parse(JSON.stringify(template));
      context.registration = launch.registration;
      context.contextActivities = activities;
      var body = {
        id: uuid(),
        actor: launch.actor,
        verb: { id: VERBS + verb, display: { "en-US": verb } },
        object: { id: launch.activityId, objectType: "Activity" },
        context: context,
        timestamp: new Date().toISOString()
      };
      if (result) {
        body.result = result;
      }
      return request("POST", launch.endpoint + "statements", body, keepalive);
    }

    function writeState(location, suspendData, keepalive) {
      var state = { location: location, suspendData: suspendData, completed: completedSent };
      return request("PUT", stateUrl(STATE_ID), state, keepalive);
    }

    var last = { location: "", suspendData: "" };
    return {
      start: function () {
        return fetch(launch.fetchUrl, { method: "POST" })
          .then(function (response) {
            return ok(response).json();
          })
          .then(function (token) {
            // A spent fetch URL (a reloaded page) still answers 200, with an error-code
            // (cmi5 §8.2.3): without a token there is no session, so fail and read offline.
            if (!token || typeof token["auth-token"] !== "string" || !token["auth-token"]) {
              throw new Error("no auth-token: " + (token && token["error-text"]));
            }
            auth = "Basic " + token["auth-token"];
            return request("GET", stateUrl("LMS.LaunchData"));
          })
          .then(function (response) {
            return ok(response).json();
          })
          .then(function (data) {
            launchData = data || {};
            // cmi5 §11: read the learner's preferences at startup. The course has one
            // language and no audio, so a missing or unreadable document changes nothing.
            var profile = new URLSearchParams({
              agent: JSON.stringify(launch.actor),
              profileId: "cmi5LearnerPreferences"
            });
            return request("GET", launch.endpoint + "agents/profile?" + profile.toString()).catch(
              function () {
                return null;
              }
            );
          })
          .then(function () {
            return statement("initialized", null, ["cmi5"]);
          })
          .then(function (response) {
            ok(response);
            return request("GET", stateUrl(STATE_ID));
          })
          .then(function (response) {
            return response.ok ? response.json() : {};
          })
          .then(function (saved) {
            // "completed" is sent once per registration, not once per session (cmi5 §9.3.3).
            completedSent = saved.completed === true;
            last = { location: saved.location || "", suspendData: saved.suspendData || "" };
            return last;
          });
      },
      save: function (location, suspendData, complete) {
        last = { location: location, suspendData: suspendData };
        // Only a Normal launch may change the learner's record (cmi5 §10, launchMode).
        if (complete && !completedSent && (launchData.launchMode || "Normal") === "Normal") {
          completedSent = true;
          statement(
            "completed",
            { completion: true, duration: isoDuration((Date.now() - startedAt) / 1000) },
            ["cmi5", "moveon"]
          );
        }
        writeState(location, suspendData);
      },
      pause: function () {
        writeState(last.location, last.suspendData, true);
      },
      finish: function (seconds) {
        writeState(last.location, last.suspendData, true);
        statement("terminated", { duration: isoDuration(seconds) }, ["cmi5"], true);
      }
    };
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* ISO 8601 duration, as SCORM 2004 and xAPI want it: PT1H2M3.45S */
  function isoDuration(seconds) {
    var total = Math.max(0, Math.round(seconds * 100));
    var hours = Math.floor(total / 360000);
    var minutes = Math.floor((total % 360000) / 6000);
    var rest = (total % 6000) / 100;
    return "PT" + (hours ? hours + "H" : "") + (minutes ? minutes + "M" : "") + rest + "S";
  }

  /* SCORM 1.2 CMITimespan: HHHH:MM:SS.SS */
  function scorm12Timespan(seconds) {
    var total = Math.min(Math.max(0, Math.round(seconds * 100)), 3599999999);
    var hours = Math.floor(total / 360000);
    var minutes = Math.floor((total % 360000) / 6000);
    var rest = total % 6000;
    return pad(hours) + ":" + pad(minutes) + ":" + pad(Math.floor(rest / 100)) + "." + pad(rest % 100);
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /* No LMS (preview, a package opened from disk): keep progress in this browser. */
  function browserOnly(course) {
    var key = "sabaq:" + course.id;
    var store = null;
    try {
      store = window.localStorage;
    } catch (blocked) {
      store = null;
    }
    function read() {
      try {
        return JSON.parse((store && store.getItem(key)) || "{}");
      } catch (ignored) {
        return {};
      }
    }
    function write(location, suspendData) {
      try {
        if (store) {
          store.setItem(key, JSON.stringify({ location: location, suspendData: suspendData }));
        }
      } catch (ignored) {
        // Storage full or disabled: progress lasts for this visit only.
      }
    }
    return {
      start: function () {
        var saved = read();
        return { location: saved.location || "", suspendData: saved.suspendData || "" };
      },
      save: function (location, suspendData) {
        write(location, suspendData);
      },
      pause: function () {},
      finish: function () {}
    };
  }
})();
