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
  }

  /* ------------------------------------------------------------------ lesson page */

  function startLesson() {
    if (window.parent === window) {
      return; // opened on its own: nothing to report to
    }
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source === window.parent && data && data.sabaq === "state") {
        markSeen(data.seen || []);
      }
    });
    window.parent.postMessage({ sabaq: "lesson", id: body.getAttribute("data-lesson") }, "*");
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

    var saved = lms.start();
    var progress = decodeProgress(saved.suspendData, keyToId);
    var current = byId[saved.location] ? saved.location : course.lessons[0].id;
    var startedAt = Date.now();
    var finished = false;

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (finished || event.source !== frame.contentWindow || !data || data.sabaq !== "lesson") {
        return;
      }
      if (!byId[data.id]) {
        return;
      }
      current = data.id;
      progress[data.id] = true;
      lms.save(current, encodeProgress(progress, byId), isComplete());
      frame.contentWindow.postMessage({ sabaq: "state", seen: Object.keys(progress) }, "*");
    });

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !finished) {
        lms.pause(elapsedSeconds(), isComplete());
      }
    });
    // Browsers no longer run unload handlers reliably; pagehide is the last safe moment.
    window.addEventListener("pagehide", function () {
      if (!finished) {
        finished = true;
        lms.finish(elapsedSeconds(), isComplete());
      }
    });

    frame.src = byId[current].href;

    function isComplete() {
      return course.lessons.every(function (lesson) {
        return progress[lesson.id];
      });
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

  /* ------------------------------------------------------------------ LMS adapters */

  function connect(kind, course) {
    if (kind === "scorm12") {
      var api = findScorm12API();
      if (api) {
        return scorm12(api);
      }
    }
    return browserOnly(course);
  }

  /* The ADL discovery algorithm: walk up the parents, then try the opener's chain. */
  function findScorm12API() {
    return searchParents(window) || (window.opener ? searchParents(window.opener) : null);
  }

  function searchParents(win) {
    for (var hops = 0; win && hops < 500; hops++) {
      try {
        if (win.API) {
          return win.API;
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
    function writeStatus(complete) {
      if (complete && !completed) {
        completed = true;
        set("cmi.core.lesson_status", "completed");
      }
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
        writeStatus(complete);
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
