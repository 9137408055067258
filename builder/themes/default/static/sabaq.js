/*
 * Sabaq learner runtime.
 *
 * Every package page loads this one script. A lesson page shows its quizzes and tells
 * the player what the learner did. The player page (the SCO's launch file) owns the
 * session with the LMS: it finds the API the way the standard prescribes, initialises
 * once, records progress, bookmark, score and answers, commits on every change of
 * state and when the page is hidden, and finishes once. With no LMS it keeps progress
 * in the browser.
 */
(function () {
  "use strict";

  /* Numbers in the page's own digits (ur and en: 0-9; pa-Arab and ps: ۰-۹; sd: ٠-٩),
     as the build prints them (builder/locales.py). */
  var DIGITS = { arabext: 0x06f0, arab: 0x0660 };

  function readJson(id) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (broken) {
      return null;
    }
  }

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? localDigits(String(values[name])) : whole;
    });
  }


  function localDigits(text) {
    var zero = DIGITS[document.documentElement.getAttribute("data-digits")];
    if (!zero) {
      return text;
    }
    return text.replace(/[0-9]/g, function (digit) {
      return String.fromCharCode(zero + Number(digit));
    });
  }

  /* ------------------------------------------------------------------ lesson page */

  function startLesson() {
    var courseId = body.getAttribute("data-course");
    var lessonId = body.getAttribute("data-lesson");
    var quizzes = readJson("sabaq-quizzes") || [];
    var strings = readJson("sabaq-strings") || {};
    var grading = readJson("sabaq-grading");
    var inPlayer = window.parent !== window;
    var learner = { name: "" };

    function report(message) {
      if (inPlayer) {
        window.parent.postMessage(message, "*");
      } else {
        rememberQuiz(courseId, message.key, message.state);
        if (grading && message.sabaq === "quiz-result") {
          engine.showCourse(courseResult(grading, savedQuizzes(courseId), grading.mastery));
        }
      }
    }
    var engine = quizEngine(quizzes, strings, learner, report);

    // Answers wait 0.4 s before they are saved (see gradedQuiz): a learner who leaves
    // the page sooner (the next lesson, closing the course) must not lose them, nor one
    // who switches away from the browser, after which a phone may close it unannounced.
    function saveNow() {
      engine.takePending().forEach(function (message) {
        // Posted, it would arrive after the page is gone. (Only then: handed over at
        // other times, an answer could reach the player before this page's arrival
        // does, and the state the player then sends back would undo later answers.)
        if (!(inPlayer && handedToPlayer(message))) {
          report(message);
        }
      });
    }
    window.addEventListener("pagehide", saveNow);
    if (inPlayer) {
      // The player takes them itself when it goes first (the course is closed) or is
      // hidden; handed over then, they would race this page's arrival message.
      window.sabaqPendingProgress = engine.takePending;
    } else {
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") {
          saveNow();
        }
      });
    }

    if (!inPlayer) {
      // Opened on its own (offline website, a page opened from disk): remember the
      // visit and the answers in this browser, and apply the course's grading here.
      markSeen(rememberVisit(courseId, lessonId));
      engine.restore(savedQuizzes(courseId));
      if (grading) {
        engine.showCourse(courseResult(grading, savedQuizzes(courseId), grading.mastery));
      }
      return;
    }
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== window.parent || !data) {
        return;
      }
      if (data.sabaq === "state") {
        markSeen(data.seen || []);
        markLocked(data.locked || []);
        learner.name = data.learner || "";
        engine.restore(data.quizzes || {});
        showLanguages(data.languages || [], data.language);
      }
      if ((data.sabaq === "state" || data.sabaq === "result") && data.result) {
        // In a player the course result is the one the player sent to the LMS.
        engine.showCourse(data.result);
      }
    });
    window.parent.postMessage({ sabaq: "lesson", id: lessonId }, "*");
  }

  /* Answers given to the player at once, while this page goes away: possible when the
     player's page has this page's origin, as in a package. */
  function handedToPlayer(message) {
    var receive;
    try {
      receive = window.parent.sabaqReceive;
    } catch (otherOrigin) {
      return false; // the player is elsewhere: the message is posted
    }
    if (typeof receive !== "function") {
      return false;
    }
    receive(message);
    return true;
  }

  /* A multilingual package: one button per language; the player swaps the page. */
  function showLanguages(languages, current) {
    var box = document.querySelector(".language-switcher");
    if (!box || languages.length < 2 || box.childElementCount) {
      return;
    }
    languages.forEach(function (language) {
      var button = document.createElement("button");
      button.type = "button";
      button.lang = language.tag;
      button.dir = language.dir;
      button.textContent = language.name;
      button.setAttribute("aria-pressed", String(language.tag === current));
      button.addEventListener("click", function () {
        window.parent.postMessage({ sabaq: "language", lang: language.tag }, "*");
      });
      box.appendChild(button);
    });
    box.hidden = false;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (blocked) {
      return null;
    }
  }

  function readStored(key, fallback) {
    try {
      var store = storage();
      var text = store && store.getItem(key);
      return text ? JSON.parse(text) : fallback;
    } catch (unreadable) {
      return fallback;
    }
  }

  function writeStored(key, value) {
    try {
      var store = storage();
      if (store) {
        store.setItem(key, JSON.stringify(value));
      }
    } catch (unavailable) {
      // Storage disabled or full: the course still works, it only forgets.
    }
  }

  function rememberVisit(courseId, lessonId) {
    var key = "sabaq:" + courseId + ":seen";
    var seen = readStored(key, []);
    if (lessonId && seen.indexOf(lessonId) === -1) {
      seen.push(lessonId);
      writeStored(key, seen);
    }
    return seen;
  }

  function savedQuizzes(courseId) {
    return readStored("sabaq:" + courseId + ":quizzes", {});
  }

  function rememberQuiz(courseId, key, state) {
    var all = savedQuizzes(courseId);
    all[key] = state;
    writeStored("sabaq:" + courseId + ":quizzes", all);
  }

  /* Linear navigation: lessons not yet open are shown, but cannot be followed. */
  function markLocked(lockedIds) {
    var links = document.querySelectorAll("a[data-lesson], a[rel=next]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var id = link.getAttribute("data-lesson");
      if (id && lockedIds.indexOf(id) !== -1) {
        link.classList.add("is-locked");
        link.setAttribute("aria-disabled", "true");
        link.addEventListener("click", refuse);
      }
    }
  }

  function refuse(event) {
    event.preventDefault();
  }

  function markSeen(seenIds) {
    // A module's title links to its first lesson; it is not ticked for that lesson.
    var links = document.querySelectorAll("a[data-lesson]:not(.module-title)");
    for (var i = 0; i < links.length; i++) {
      if (seenIds.indexOf(links[i].getAttribute("data-lesson")) !== -1) {
        links[i].classList.add("is-seen");
      }
    }
  }

  /* ------------------------------------------------------------------ quizzes
     scoreQuestion is the one scorer of learners' answers; its cases: tests/js/scoring_cases.json. */

  function quizEngine(quizzes, strings, learner, report) {
    var runs = {};
    quizzes.forEach(function (quiz) {
      var forms = document.querySelectorAll('[data-quiz="' + cssEscape(quiz.id) + '"]');
      for (var i = 0; i < forms.length; i++) {
        var run = quiz.graded ? gradedQuiz(quiz, forms[i], strings, learner, report) : knowledgeCheck(quiz, forms[i], strings);
        if (run) {
          runs[quiz.key] = run;
        }
      }
    });
    return {
      restore: function (states) {
        Object.keys(runs).forEach(function (key) {
          runs[key].restore(states[key]);
        });
      },
      showCourse: function (result) {
        Object.keys(runs).forEach(function (key) {
          runs[key].showCourse(result);
        });
      },
      /* The saves the quizzes are waiting to make, made now: their messages. */
      takePending: function () {
        var taken = [];
        Object.keys(runs).forEach(function (key) {
          var message = runs[key].takePending();
          if (message) {
            taken.push(message);
          }
        });
        return taken;
      }
    };
  }

  /* The course result under its grading policy (course.yml `grading`, builder/grading.py):
     the one rule behind the page, the certificate and what the LMS records. "passed"
     always means percent >= mastery, so an LMS that derives the status from the score
     (Moodle's mastery override) agrees; a required exam is folded in as a ceiling. The
     result is final once every counted quiz has been submitted; before that the LMS
     is told neither score nor verdict. */
  function courseResult(grading, quizStates, mastery) {
    var counted = (grading && grading.quizzes) || [];
    var taken = 0;
    var earned = 0;
    var weights = 0;
    var exam = null;
    counted.forEach(function (quiz) {
      var saved = quizStates ? quizStates[quiz.key] : null;
      weights += quiz.weight;
      if (!Array.isArray(saved) || !(Number(saved[0]) > 0)) {
        return;
      }
      var fraction = quiz.max ? Math.min(1, Math.max(0, Number(saved[1]) || 0) / quiz.max) : 0;
      taken += 1;
      earned += quiz.weight * fraction;
      if (quiz.exam) {
        exam = fraction;
      }
    });
    if (!counted.length || taken < counted.length) {
      return { final: !counted.length, taken: taken, count: counted.length, percent: null, passed: null, mastery: mastery };
    }
    var score = weights ? earned / weights : 0;
    if (grading.examRequired && exam !== null) {
      score = Math.min(score, exam);
    }
    var percent = Math.round(score * 10000) / 100;
    return { final: true, taken: taken, count: counted.length, percent: percent, passed: percent >= mastery, mastery: mastery };
  }

  function cssEscape(text) {
    return String(text).replace(/["\\]/g, "\\$&");
  }

  function knowledgeCheck(quiz, form, strings) {
    var questionId = form.getAttribute("data-question");
    var question = quiz.questions.filter(function (q) {
      return q.id === questionId;
    })[0];
    var fieldset = form.querySelector("fieldset.question");
    if (!question || !fieldset) {
      return null;
    }
    prepareQuestion(fieldset, question);
    var wrongTries = 0;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var response = readResponse(fieldset, question);
      var fraction = scoreQuestion(question, response);
      if (fraction < 1) {
        wrongTries += 1;
      }
      // The first wrong try gets its feedback and a second chance; the right answer
      // (and the explanation, which usually gives it away) only after another miss.
      showFeedback(fieldset, question, response, fraction, wrongTries > 1 || fraction >= 1, strings);
      if (fraction < 1 && wrongTries === 1) {
        addLine(fieldset, "try-again", strings.tryAgain);
      }
    });
    return {
      restore: function () {},
      showCourse: function () {},
      takePending: function () {
        return null;
      }
    };
  }

  function gradedQuiz(quiz, section, strings, learner, report) {
    var form = section.querySelector("form.quiz-form");
    var result = section.querySelector(".quiz-result");
    var retry = section.querySelector(".retry-quiz");
    var submit = section.querySelector(".submit-quiz");
    var fieldsets = section.querySelectorAll("fieldset.question");
    if (!form || fieldsets.length !== quiz.questions.length) {
      return null;
    }
    var courseLine = section.querySelector(".course-result");
    var state = { attempts: 0, best: -1, drawn: [], answers: [], submitted: false };
    var startedAt = {};
    var saveTimer = null;
    var course = null;

    quiz.questions.forEach(function (question, index) {
      prepareQuestion(fieldsets[index], question);
    });
    newAttempt();

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".move-up, .move-down")) {
        changed(event);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      grade();
    });
    if (retry) {
      retry.addEventListener("click", function () {
        newAttempt();
        send();
        var first = fieldsets[state.drawn[0]];
        if (first) {
          first.focus();
        }
      });
    }
    var print = section.querySelector(".print-certificate");
    if (print) {
      print.addEventListener("click", function () {
        document.documentElement.classList.add("printing-certificate");
        window.print();
        document.documentElement.classList.remove("printing-certificate");
      });
    }

    function changed(event) {
      var fieldset = event.target.closest && event.target.closest("fieldset.question");
      if (!fieldset || state.submitted) {
        return;
      }
      var index = Array.prototype.indexOf.call(fieldsets, fieldset);
      if (!startedAt[index]) {
        startedAt[index] = Date.now();
      }
      state.answers[index] = encodeResponse(quiz.questions[index], readResponse(fieldset, quiz.questions[index]));
      // Answers are saved as the learner goes, so closing the course mid-exam loses nothing.
      clearTimeout(saveTimer);
      saveTimer = setTimeout(send, 400);
    }

    function newAttempt() {
      state.submitted = false;
      state.answers = quiz.questions.map(function () {
        return "";
      });
      state.drawn = draw(quiz);
      startedAt = {};
      showAttempt(true);
    }

    function showAttempt(fresh) {
      quiz.questions.forEach(function (question, index) {
        var fieldset = fieldsets[index];
        var drawn = state.drawn.indexOf(index) !== -1;
        fieldset.hidden = !drawn;
        fieldset.disabled = !drawn || state.submitted;
        fieldset.setAttribute("tabindex", "-1");
        clearFeedback(fieldset);
        if (fresh) {
          resetQuestion(fieldset, question);
        } else {
          writeResponse(fieldset, question, decodeResponse(question, state.answers[index]));
        }
        var position = fieldset.querySelector(".question-position");
        if (position && drawn && quiz.pool) {
          // A drawn attempt numbers its own questions: "Question 2 of 5".
          position.textContent = format(strings.questionNumber || "", {
            number: state.drawn.indexOf(index) + 1,
            total: state.drawn.length
          });
        }
      });
      result.textContent = "";
      submit.hidden = state.submitted;
      if (retry) {
        retry.hidden = true;
      }
    }

    function grade() {
      var missing = state.drawn.filter(function (index) {
        return isEmpty(quiz.questions[index], readResponse(fieldsets[index], quiz.questions[index]));
      });
      if (missing.length) {
        result.textContent = strings.answerFirst || "";
        fieldsets[missing[0]].focus();
        return;
      }
      var earned = 0;
      var interactions = [];
      state.drawn.forEach(function (index) {
        var question = quiz.questions[index];
        var response = readResponse(fieldsets[index], question);
        state.answers[index] = encodeResponse(question, response);
        var fraction = scoreQuestion(question, response);
        earned += fraction * question.points;
        interactions.push(interaction(question, response, fraction, startedAt[index]));
      });
      earned = Math.round(earned * 100) / 100;
      state.attempts += 1;
      state.best = Math.max(state.best, earned);
      state.submitted = true;
      showResults(earned);
      send(interactions);
      result.focus();
    }

    function showResults(earned) {
      state.drawn.forEach(function (index) {
        var question = quiz.questions[index];
        var fieldset = fieldsets[index];
        fieldset.disabled = true;
        if (quiz.reveal) {
          var response = readResponse(fieldset, question);
          showFeedback(fieldset, question, response, scoreQuestion(question, response), true, strings);
        }
      });
      var percent = quiz.max ? Math.round((earned / quiz.max) * 1000) / 10 : 0;
      var passed = percent >= quiz.pass;
      var lines = [
        format(strings.result || "", { points: earned, max: quiz.max, percent: percent }),
        format((passed ? strings.passed : strings.failed) || "", { pass: quiz.pass })
      ];
      var left = quiz.attempts ? quiz.attempts - state.attempts : null;
      if (left !== null) {
        lines.push(left > 0 ? format(strings.attemptsLeft || "", { count: left }) : strings.noAttemptsLeft || "");
      }
      result.textContent = lines.join(" ");
      result.setAttribute("tabindex", "-1");
      submit.hidden = true;
      if (retry) {
        retry.hidden = left === 0 || (passed && quiz.kind === "exam");
      }
      showCourse(course);
    }

    /* The course's result under its grading policy, under every graded quiz the
       learner has taken, and the certificate exactly when the course is passed. */
    function showCourse(result) {
      course = result;
      var certificate = section.querySelector(".certificate");
      if (certificate) {
        certificate.hidden = true;
      }
      if (!courseLine || !result || state.attempts < 1) {
        return;
      }
      var line;
      if (!result.final) {
        line = format(strings.coursePending || "", { taken: result.taken, count: result.count });
      } else if (result.percent === null) {
        line = "";
      } else {
        line = format((result.passed ? strings.coursePassed : strings.courseFailed) || "", {
          percent: result.percent,
          mastery: result.mastery
        });
      }
      courseLine.textContent = line;
      courseLine.hidden = !line;
      if (result.final && result.passed) {
        showCertificate(section, learner, result.percent, strings);
      }
    }

    function send(interactions) {
      report(message(interactions));
    }

    function message(interactions) {
      clearTimeout(saveTimer);
      saveTimer = null;
      return {
        sabaq: interactions ? "quiz-result" : "quiz-progress",
        key: quiz.key,
        state: encodeQuizState(state),
        interactions: interactions || []
      };
    }

    return {
      showCourse: showCourse,
      takePending: function () {
        return saveTimer === null ? null : message();
      },
      restore: function (saved) {
        var decoded = decodeQuizState(saved, quiz);
        if (!decoded) {
          return;
        }
        state = decoded;
        showAttempt(false);
        var answered = state.answers.some(function (answer) {
          return answer !== "";
        });
        if (!state.submitted && answered) {
          // Back in the middle of an attempt: say so, or the learner may start again.
          result.textContent = strings.resumed || "";
        }
        if (state.submitted) {
          var earned = 0;
          state.drawn.forEach(function (index) {
            var question = quiz.questions[index];
            earned += scoreQuestion(question, decodeResponse(question, state.answers[index])) * question.points;
          });
          showResults(Math.round(earned * 100) / 100);
        }
      }
    };
  }

  function showCertificate(section, learner, percent, strings) {
    var certificate = section.querySelector(".certificate");
    if (!certificate) {
      return;
    }
    var lang = document.documentElement.getAttribute("lang") || "en";
    var date = new Date();
    var shown;
    try {
      shown = new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(date);
    } catch (unsupported) {
      shown = date.toISOString().slice(0, 10);
    }
    fill(certificate, "name", learner.name || strings.learner || "");
    fill(certificate, "score", localDigits(percent + "%"));
    fill(certificate, "date", localDigits(shown));
    certificate.hidden = false;
  }

  function fill(root, field, text) {
    var element = root.querySelector('[data-field="' + field + '"]');
    if (element) {
      element.textContent = text;
    }
  }

  /* Which questions an attempt shows: all of them, or `pool` drawn at random. */
  function draw(quiz) {
    var indexes = quiz.questions.map(function (question, index) {
      return index;
    });
    if (quiz.shuffle || quiz.pool) {
      shuffle(indexes);
    }
    if (quiz.pool) {
      indexes = indexes.slice(0, quiz.pool);
      indexes.sort(function (a, b) {
        return a - b;
      });
    }
    return indexes;
  }

  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var swap = list[i];
      list[i] = list[j];
      list[j] = swap;
    }
    return list;
  }

  function prepareQuestion(fieldset, question) {
    if (question.kind === "matching") {
      // The menus list the answers in one random order: written order would give
      // the matches away (answer n for item n).
      var selects = fieldset.querySelectorAll("select[data-pair]");
      var order = shuffle(Array.prototype.slice.call(selects[0] ? selects[0].options : [], 1).map(function (option) {
        return option.value;
      }));
      Array.prototype.forEach.call(selects, function (select) {
        order.forEach(function (value) {
          var option = select.querySelector('option[value="' + cssEscape(value) + '"]');
          if (option) {
            select.appendChild(option);
          }
        });
      });
    }
    if (question.shuffle) {
      var box = fieldset.querySelector(".choices");
      var choices = box ? Array.prototype.slice.call(box.children) : [];
      shuffle(choices).forEach(function (choice) {
        box.appendChild(choice);
      });
    }
    var hintButton = fieldset.querySelector(".show-hint");
    if (hintButton) {
      hintButton.addEventListener("click", function () {
        var hidden = fieldset.querySelector(".hint[hidden]");
        if (hidden) {
          hidden.hidden = false;
          hidden.setAttribute("tabindex", "-1");
          hidden.focus();
        }
        hintButton.hidden = !fieldset.querySelector(".hint[hidden]");
      });
    }
    var list = fieldset.querySelector(".ordering");
    if (list) {
      list.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest("button");
        if (!button || fieldset.disabled) {
          return;
        }
        var item = button.closest("li");
        if (button.classList.contains("move-up") && item.previousElementSibling) {
          list.insertBefore(item, item.previousElementSibling);
        } else if (button.classList.contains("move-down") && item.nextElementSibling) {
          list.insertBefore(item.nextElementSibling, item);
        }
        button.focus();
      });
    }
    resetQuestion(fieldset, question);
  }

  function resetQuestion(fieldset, question) {
    var inputs = fieldset.querySelectorAll("input, select");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].type === "radio" || inputs[i].type === "checkbox") {
        inputs[i].checked = false;
      } else {
        inputs[i].value = "";
      }
    }
    if (question.kind === "ordering") {
      var order = question.order.slice();
      if (order.length > 1) {
        // Never start in the right order: the learner would have nothing to do.
        while (order.join() === question.order.join()) {
          shuffle(order);
        }
      }
      writeResponse(fieldset, question, order);
    }
  }

  function readResponse(fieldset, question) {
    var kind = question.kind;
    if (kind === "single" || kind === "true-false") {
      var picked = fieldset.querySelector("input:checked");
      return picked ? picked.value : null;
    }
    if (kind === "multiple") {
      return Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (input) {
        return input.value;
      });
    }
    if (kind === "short" || kind === "numeric") {
      var input = fieldset.querySelector("input[type=text]");
      return input ? input.value : "";
    }
    if (kind === "matching") {
      var pairs = {};
      Array.prototype.forEach.call(fieldset.querySelectorAll("select[data-pair]"), function (select) {
        pairs[select.getAttribute("data-pair")] = select.value;
      });
      return pairs;
    }
    return Array.prototype.map.call(fieldset.querySelectorAll(".ordering li"), function (item) {
      return item.getAttribute("data-item");
    });
  }

  function writeResponse(fieldset, question, response) {
    var kind = question.kind;
    if (response === null || response === undefined) {
      return;
    }
    if (kind === "single" || kind === "true-false" || kind === "multiple") {
      var chosen = kind === "multiple" ? response : [response];
      Array.prototype.forEach.call(fieldset.querySelectorAll("input"), function (input) {
        input.checked = chosen.indexOf(input.value) !== -1;
      });
    } else if (kind === "short" || kind === "numeric") {
      var input = fieldset.querySelector("input[type=text]");
      if (input) {
        input.value = response;
      }
    } else if (kind === "matching") {
      Array.prototype.forEach.call(fieldset.querySelectorAll("select[data-pair]"), function (select) {
        select.value = response[select.getAttribute("data-pair")] || "";
      });
    } else if (kind === "ordering") {
      var list = fieldset.querySelector(".ordering");
      response.forEach(function (id) {
        var item = list.querySelector('li[data-item="' + cssEscape(id) + '"]');
        if (item) {
          list.appendChild(item);
        }
      });
    }
  }

  function isEmpty(question, response) {
    var kind = question.kind;
    if (kind === "multiple") {
      return response.length === 0;
    }
    if (kind === "matching") {
      return Object.keys(response).some(function (key) {
        return !response[key];
      });
    }
    if (kind === "ordering") {
      return false;
    }
    return response === null || String(response).trim() === "";
  }

  function clearFeedback(fieldset) {
    fieldset.classList.remove("is-correct", "is-incorrect", "is-partly");
    var parts = fieldset.querySelectorAll(".verdict, .feedback-correct, .feedback-incorrect, .explanation, .choice-feedback, .right-answer, .try-again");
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].classList.contains("right-answer") || parts[i].classList.contains("try-again")) {
        parts[i].parentNode.removeChild(parts[i]);
      } else {
        parts[i].hidden = true;
      }
    }
  }

  function showFeedback(fieldset, question, response, fraction, reveal, strings) {
    clearFeedback(fieldset);
    var verdict = fieldset.querySelector(".verdict");
    var state = fraction >= 1 ? "correct" : fraction > 0 ? "partly" : "incorrect";
    fieldset.classList.add("is-" + state);
    if (verdict) {
      verdict.textContent = strings[state] || "";
      verdict.hidden = false;
    }
    show(fieldset, fraction >= 1 ? ".feedback-correct" : ".feedback-incorrect");
    show(fieldset, ".explanation");
    var picked = question.kind === "multiple" ? response : [response];
    Array.prototype.forEach.call(fieldset.querySelectorAll(".choice"), function (choice) {
      if (picked && picked.indexOf(choice.getAttribute("data-choice")) !== -1) {
        var feedback = choice.querySelector(".choice-feedback");
        if (feedback) {
          feedback.hidden = false;
        }
      }
    });
    if (!reveal) {
      hide(fieldset, ".explanation");
    }
    if (reveal && fraction < 1) {
      var answer = rightAnswer(fieldset, question);
      if (answer) {
        addLine(fieldset, "right-answer", (strings.rightAnswer || "") + " " + answer);
      }
    }
  }

  /* A line of the runtime's own under a question's verdict, removed with the feedback. */
  function addLine(fieldset, className, text) {
    var verdict = fieldset.querySelector(".verdict");
    if (!verdict || !text) {
      return;
    }
    var line = document.createElement("p");
    line.className = className;
    line.textContent = text;
    verdict.parentNode.appendChild(line);
  }

  function show(root, selector) {
    var element = root.querySelector(selector);
    if (element) {
      element.hidden = false;
    }
  }

  function hide(root, selector) {
    var element = root.querySelector(selector);
    if (element) {
      element.hidden = true;
    }
  }

  function rightAnswer(fieldset, question) {
    function textOf(selector) {
      var element = fieldset.querySelector(selector);
      return element ? element.textContent.trim() : "";
    }
    var kind = question.kind;
    if (kind === "single" || kind === "true-false" || kind === "multiple") {
      return question.correct
        .map(function (id) {
          return textOf('.choice[data-choice="' + cssEscape(id) + '"] .choice-text');
        })
        .join("; ");
    }
    if (kind === "short") {
      return question.pattern || "";
    }
    if (kind === "numeric") {
      var ends = String(question.pattern || "").split("[:]");
      return localDigits(ends.length === 2 && ends[0] !== ends[1] ? ends[0] + " – " + ends[1] : ends[0]);
    }
    if (kind === "matching") {
      return Object.keys(question.pairs)
        .map(function (pairId) {
          var select = fieldset.querySelector('select[data-pair="' + cssEscape(pairId) + '"]');
          var label = select ? textOf('label[for="' + select.id + '"]') : pairId;
          var option = select ? select.querySelector('option[value="' + cssEscape(question.pairs[pairId]) + '"]') : null;
          return label + " → " + (option ? option.textContent.trim() : "");
        })
        .join("; ");
    }
    return question.order
      .map(function (id) {
        return textOf('li[data-item="' + cssEscape(id) + '"] .ordering-text');
      })
      .join(" → ");
  }

  function scoreQuestion(question, response) {
    var kind = question.kind;
    if (response === null || response === undefined) {
      return 0;
    }
    if (kind === "single" || kind === "true-false") {
      return question.correct.indexOf(response) !== -1 ? 1 : 0;
    }
    if (kind === "multiple") {
      var right = question.correct;
      var wrong = question.choices.filter(function (id) {
        return right.indexOf(id) === -1;
      });
      // A choice counts once, even when a saved state ("a.a") names it twice.
      var chosen = response.filter(function (id, index) {
        return response.indexOf(id) === index;
      });
      var chosenRight = chosen.filter(function (id) {
        return right.indexOf(id) !== -1;
      }).length;
      var chosenWrong = chosen.filter(function (id) {
        return wrong.indexOf(id) !== -1;
      }).length;
      if (!question.partial) {
        return chosenRight === right.length && chosenWrong === 0 && chosen.length === right.length ? 1 : 0;
      }
      var earned = right.length ? chosenRight / right.length : 0;
      var lost = wrong.length ? chosenWrong / wrong.length : 0;
      return Math.max(0, earned - lost);
    }
    if (kind === "short") {
      return question.answers.indexOf(normaliseAnswer(response, question.caseSensitive)) !== -1 ? 1 : 0;
    }
    if (kind === "numeric") {
      var number = parseLearnerNumber(response);
      if (number === null || !isFinite(number)) {
        return 0;
      }
      return question.ranges.some(function (range) {
        var slack = 1e-9 * Math.max(1, Math.abs(range[0]), Math.abs(range[1]));
        return range[0] - slack <= number && number <= range[1] + slack;
      })
        ? 1
        : 0;
    }
    if (kind === "matching") {
      var pairIds = Object.keys(question.pairs);
      var matched = pairIds.filter(function (id) {
        return response[id] === question.pairs[id];
      }).length;
      if (!pairIds.length) {
        return 0;
      }
      if (!question.partial) {
        return matched === pairIds.length ? 1 : 0;
      }
      return matched / pairIds.length;
    }
    var expected = question.order;
    if (expected.length < 2 || response.slice().sort().join() !== expected.slice().sort().join()) {
      return 0;
    }
    if (!question.partial) {
      return response.join() === expected.join() ? 1 : 0;
    }
    var positions = response.map(function (id) {
      return expected.indexOf(id);
    });
    return (longestIncreasing(positions) - 1) / (expected.length - 1);
  }

  function longestIncreasing(values) {
    var tails = [];
    values.forEach(function (value) {
      var low = 0;
      var high = tails.length;
      while (low < high) {
        var middle = (low + high) >> 1;
        if (tails[middle] < value) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      tails[low] = value;
    });
    return tails.length;
  }

  function normaliseAnswer(text, caseSensitive) {
    var cleaned = String(text).normalize("NFC").trim().split(/\s+/).join(" ");
    return caseSensitive ? cleaned : cleaned.toLowerCase();
  }

  /* A number as a learner types it, in the digits of any script (Urdu ۰-۹, Sindhi ٠-٩,
     Devanagari, Gurmukhi…), with commas (also Urdu ،) as thousands separators. */
  function parseLearnerNumber(text) {
    // Digits of every script count: the zero of each script's ten digits (Unicode 17, category
    // Nd; Arabic-Indic as in Sindhi, Extended Arabic-Indic as in Urdu, Devanagari, Gurmukhi, …).
    // NFKC has already made fullwidth and mathematical digits ASCII.
    var zeros = [
      0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50,
      0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0,
      0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0x104a0, 0x10d30, 0x10d40,
      0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x116d0, 0x116da,
      0x11730, 0x118e0, 0x11950, 0x11bf0, 0x11c50, 0x11d50, 0x11da0, 0x11de0, 0x11f50, 0x16130, 0x16a60,
      0x16ac0, 0x16b50, 0x16d70, 0x1e140, 0x1e2f0, 0x1e4f0, 0x1e5f1, 0x1e950
    ];
    var cleaned = "";
    var source = String(text).normalize("NFKC");
    var i = 0;
    while (i < source.length) {
      var code = source.codePointAt(i);
      var character = String.fromCodePoint(code);
      i += character.length;
      // Spaces, thousands separators (the Arabic comma too: an Urdu keyboard's comma) and
      // the invisible direction marks and joiners that right-to-left text carries.
      if (/[\s,\u060c\u066c\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069]/.test(character)) {
        continue;
      }
      var digit = -1;
      for (var z = 0; z < zeros.length && digit < 0; z++) {
        if (code >= zeros[z] && code <= zeros[z] + 9) {
          digit = code - zeros[z];
        }
      }
      if (digit >= 0) {
        cleaned += String(digit);
      } else if (code === 0x066b) {
        cleaned += ".";
      } else if (code === 0x2212) {
        cleaned += "-";
      } else {
        cleaned += character;
      }
    }
    return /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(cleaned) ? parseFloat(cleaned) : null;
  }

  /* Saved state of one graded quiz: [attempts, best points, drawn, answers, submitted].
     Kept short: SCORM 1.2 stores 4,096 characters for the whole course, and the build
     checks the worst case (builder/quizzes.py worst_case_state_size). */
  /* [attempts, best, drawn, answers, submitted, 2]: the answers of the drawn questions
     in draw order, so a large pool costs nothing for the questions not drawn. Release
     0.1.0 saved five elements, with an answer (or "") for every question of the quiz. */
  function encodeQuizState(state) {
    var answers = state.drawn.map(function (index) {
      return state.answers[index] || "";
    });
    return [state.attempts, state.best, state.drawn.join("."), answers, state.submitted ? 1 : 0, 2];
  }

  function decodeQuizState(saved, quiz) {
    if (!Array.isArray(saved) || saved.length < 5) {
      return null;
    }
    var drawn = String(saved[2] || "")
      .split(".")
      .filter(function (part) {
        return part !== "";
      })
      .map(Number)
      .filter(function (index) {
        return index >= 0 && index < quiz.questions.length;
      });
    if (!drawn.length) {
      return null;
    }
    var saved3 = Array.isArray(saved[3]) ? saved[3] : [];
    var byDraw = saved[5] === 2;
    var answers = quiz.questions.map(function (question, index) {
      var answer = byDraw ? saved3[drawn.indexOf(index)] : saved3[index];
      return typeof answer === "string" ? answer : "";
    });
    return {
      attempts: Number(saved[0]) || 0,
      best: typeof saved[1] === "number" ? saved[1] : -1,
      drawn: drawn,
      answers: answers,
      submitted: saved[4] === 1
    };
  }

  function encodeResponse(question, response) {
    var kind = question.kind;
    if (response === null || response === undefined) {
      return "";
    }
    if (kind === "multiple" || kind === "ordering") {
      return response.join(".");
    }
    if (kind === "matching") {
      return Object.keys(question.pairs)
        .map(function (id) {
          return response[id] || "";
        })
        .join(".");
    }
    // Mirrors SHORT_ANSWER_KEPT and NUMERIC_ANSWER_KEPT in quizzes.py. A number never
    // holds what JSON would escape, so a typed number costs its length and no more.
    if (kind === "numeric") {
      return String(response).replace(/["\\\u0000-\u001f\ud800-\udfff]/g, "").slice(0, 32);
    }
    return String(response).slice(0, 64);
  }

  function decodeResponse(question, text) {
    var kind = question.kind;
    if (!text) {
      return kind === "multiple" ? [] : kind === "matching" ? {} : null;
    }
    if (kind === "multiple" || kind === "ordering") {
      return text.split(".");
    }
    if (kind === "matching") {
      var parts = text.split(".");
      var pairs = {};
      Object.keys(question.pairs).forEach(function (id, index) {
        pairs[id] = parts[index] || "";
      });
      return pairs;
    }
    return text;
  }

  /* One answered question as the LMS records it (standard-neutral; adapters format it). */
  function interaction(question, response, fraction, startedAt) {
    var kind = question.kind;
    var parts;
    var pattern;
    var type = { single: "choice", multiple: "choice", "true-false": "true-false", short: "fill-in", numeric: "numeric", matching: "matching", ordering: "sequencing" }[kind];
    if (kind === "single" || kind === "true-false") {
      parts = [response];
      pattern = question.correct;
    } else if (kind === "multiple") {
      parts = response.slice().sort();
      pattern = question.correct;
    } else if (kind === "matching") {
      parts = Object.keys(question.pairs).map(function (id) {
        return [id, response[id] || ""];
      });
      pattern = Object.keys(question.pairs).map(function (id) {
        return [id, question.pairs[id]];
      });
    } else if (kind === "ordering") {
      parts = response;
      pattern = question.order;
    } else {
      parts = [String(response).slice(0, 250)];
      pattern = [question.pattern || ""];
    }
    return {
      id: question.id,
      type: type,
      response: parts,
      pattern: pattern,
      fraction: fraction,
      weighting: question.points,
      latency: startedAt ? (Date.now() - startedAt) / 1000 : 0,
      description: question.description || ""
    };
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
    var languages = course.languages || [];
    var language = languages.length ? languages[0].tag : "";
    var state = { seen: {}, quizzes: {}, lang: "" };
    var current = course.lessons[0].id;
    var learner = "";
    var mastery = course.grading.mastery;
    var startedAt = Date.now();
    var started = false;
    var finished = false;

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (!started || finished || event.source !== frame.contentWindow || !data) {
        return;
      }
      if (data.sabaq === "lesson" && byId[data.id] && locked().indexOf(data.id) !== -1) {
        // Reached a lesson that is not open yet (by typing its address): back to where the learner was.
        frame.src = lessonHref(current);
      } else if (data.sabaq === "lesson" && byId[data.id]) {
        current = data.id;
        state.seen[data.id] = true;
        lms.save(current, encodeState(state, byId, course.saved), status());
        frame.contentWindow.postMessage(
          {
            sabaq: "state",
            seen: Object.keys(state.seen),
            quizzes: state.quizzes,
            learner: learner,
            locked: locked(),
            languages: languages.map(function (l) {
              return { tag: l.tag, name: l.name, dir: l.dir };
            }),
            language: language,
            result: courseResult(course.grading, state.quizzes, mastery)
          },
          "*"
        );
      } else if (data.sabaq === "language" && findLanguage(data.lang)) {
        // The learner's choice is remembered with their progress, which it keeps.
        language = data.lang;
        state.lang = language;
        lms.save(current, encodeState(state, byId, course.saved), status());
        frame.src = lessonHref(current);
      } else if (isQuizMessage(data)) {
        receiveQuiz(data);
      }
    });
    // The lesson's page hands over, at once, the answers it has not saved yet when it
    // goes away before the player does (see handedToPlayer).
    window.sabaqReceive = function (data) {
      if (started && !finished && data && isQuizMessage(data)) {
        receiveQuiz(ownCopy(data));
      }
    };

    /* A message handed over directly holds the lesson page's own objects, which go
       with that page: kept as a copy, as a posted message would be. */
    function ownCopy(data) {
      return JSON.parse(JSON.stringify(data));
    }

    function isQuizMessage(data) {
      return (data.sabaq === "quiz-progress" || data.sabaq === "quiz-result") && typeof data.key === "string";
    }

    function receiveQuiz(data) {
      state.quizzes[data.key] = data.state;
      if (data.sabaq === "quiz-result" && data.interactions && data.interactions.length) {
        lms.record(data.interactions);
      }
      lms.save(current, encodeState(state, byId, course.saved), status());
      if (data.sabaq === "quiz-result") {
        // The page shows the result the LMS was just given, and nothing else.
        frame.contentWindow.postMessage({ sabaq: "result", result: courseResult(course.grading, state.quizzes, mastery) }, "*");
      }
    }

    /* The answers the lesson's page has not saved yet (it waits 0.4 s after a change),
       taken from it directly before the LMS is paused or finished: a message from it
       would come too late. Only a page of the player's own origin can be reached. */
    function takeLessonProgress() {
      var take;
      try {
        take = frame.contentWindow.sabaqPendingProgress;
      } catch (otherOrigin) {
        return;
      }
      if (typeof take === "function") {
        take().forEach(window.sabaqReceive);
      }
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && started && !finished) {
        takeLessonProgress();
        lms.pause(elapsedSeconds(), status());
      }
    });
    // Browsers no longer run unload handlers reliably; pagehide is the last safe moment.
    window.addEventListener("pagehide", function () {
      if (started && !finished) {
        takeLessonProgress();
        finished = true;
        lms.finish(elapsedSeconds(), status());
      }
    });

    Promise.resolve()
      .then(function () {
        return lms.start();
      })
      .catch(function () {
        // The LMS could not be reached: the learner can still take the course.
        lms = browserOnly(course);
        return lms.start();
      })
      .then(function (saved) {
        state = decodeState(saved.suspendData, keyToId, course.saved, byId);
        current = byId[saved.location] ? saved.location : course.lessons[0].id;
        // A choice made in the course wins; otherwise the learner's LMS preference.
        var preferred = findLanguage(state.lang) || findLanguage(saved.language);
        if (preferred) {
          language = preferred.tag;
        }
        learner = saved.learner || "";
        if (typeof saved.mastery === "number" && isFinite(saved.mastery)) {
          mastery = saved.mastery;
        }
        started = true;
        frame.src = lessonHref(current);
      });

    /* With linear navigation, every lesson after the first one not yet seen. */
    function locked() {
      if (!course.linear) {
        return [];
      }
      var open = true;
      return course.lessons
        .filter(function (lesson) {
          var isLocked = !open;
          if (!state.seen[lesson.id]) {
            open = false;
          }
          return isLocked;
        })
        .map(function (lesson) {
          return lesson.id;
        });
    }

    function findLanguage(tag) {
      if (!tag) {
        return null;
      }
      var wanted = String(tag).toLowerCase().split(/[,;]/)[0].trim();
      var exact = null;
      var prefix = null;
      languages.forEach(function (l) {
        var own = l.tag.toLowerCase();
        if (own === wanted) {
          exact = l;
        } else if (!prefix && wanted.split("-")[0] === own.split("-")[0]) {
          prefix = l;
        }
      });
      return exact || prefix;
    }

    function lessonHref(id) {
      var chosen = findLanguage(language);
      if (!chosen) {
        return byId[id].href;
      }
      var match = chosen.lessons.filter(function (lesson) {
        return lesson.id === id;
      })[0];
      return match ? match.href : byId[id].href;
    }

    /* Where the learner stands: completion, and a score and verdict only once they are
       final under the course's grading, so no LMS records a premature "failed". */
    function status() {
      var allSeen = course.lessons.every(function (lesson) {
        return state.seen[lesson.id];
      });
      var seen = course.lessons.filter(function (lesson) {
        return state.seen[lesson.id];
      }).length;
      var result = courseResult(course.grading, state.quizzes, mastery);
      return {
        complete: allSeen && result.final,
        fraction: (seen + result.taken) / (course.lessons.length + result.count),
        percent: result.final ? result.percent : null,
        success: result.final ? result.passed : null
      };
    }

    function elapsedSeconds() {
      return (Date.now() - startedAt) / 1000;
    }
  }

  /* Progress is stored as short keys derived from lesson and quiz ids
     (model.progress_keys), so it survives lessons being reordered in a new version.
     A course too large for a key per lesson in SCORM 1.2's 4,096 characters saves seen
     lessons as a bitmap in key order under a stamp of its lesson set, plus the modules
     seen in full, which a version with other lessons still reads (quizzes.SeenLayout). */
  var BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function lessonsInKeyOrder(lessons) {
    return lessons.slice().sort(function (a, b) {
      return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
  }

  function encodeState(state, byId, layout) {
    var data;
    if (layout && layout.encoding === "bitmap") {
      data = { v: 3, o: layout.stamp, s: seenBitmap(state.seen, byId), m: modulesSeen(state.seen, byId).join("."), q: state.quizzes };
    } else {
      var keys = Object.keys(state.seen).map(function (id) {
        return byId[id].key;
      });
      keys.sort();
      data = { v: 2, seen: keys.join("."), q: state.quizzes };
    }
    if (state.lang) {
      data.lang = state.lang;
    }
    return JSON.stringify(data);
  }

  function seenBitmap(seen, byId) {
    var ordered = lessonsInKeyOrder(Object.keys(byId).map(function (id) {
      return byId[id];
    }));
    var text = "";
    for (var start = 0; start < ordered.length; start += 6) {
      var value = 0;
      for (var bit = 0; bit < 6 && start + bit < ordered.length; bit++) {
        if (seen[ordered[start + bit].id]) {
          value |= 1 << bit;
        }
      }
      text += BASE64URL.charAt(value);
    }
    return text;
  }

  function modulesSeen(seen, byId) {
    var complete = {};
    Object.keys(byId).forEach(function (id) {
      var module = byId[id].module;
      complete[module] = complete[module] !== false && !!seen[id];
    });
    return Object.keys(complete).filter(function (module) {
      return complete[module];
    }).sort();
  }

  function decodeState(text, keyToId, layout, byId) {
    var state = { seen: {}, quizzes: {}, lang: "" };
    try {
      var data = JSON.parse(text || "{}");
      (data.seen ? String(data.seen).split(".") : []).forEach(function (key) {
        if (keyToId[key]) {
          state.seen[keyToId[key]] = true;
        }
      });
      if (data.v === 3 && byId) {
        readBitmapState(data, state, layout, byId);
      }
      if (data.q && typeof data.q === "object") {
        state.quizzes = data.q;
      }
      if (typeof data.lang === "string") {
        state.lang = data.lang;
      }
    } catch (ignored) {
      // Data written by another package version or tool: start afresh rather than fail.
    }
    return state;
  }

  function readBitmapState(data, state, layout, byId) {
    var ids = Object.keys(byId);
    if (layout && layout.stamp === data.o) {
      var ordered = lessonsInKeyOrder(ids.map(function (id) {
        return byId[id];
      }));
      ordered.forEach(function (lesson, index) {
        var value = BASE64URL.indexOf(String(data.s || "").charAt(Math.floor(index / 6)));
        if (value > 0 && value & (1 << index % 6)) {
          state.seen[lesson.id] = true;
        }
      });
      return;
    }
    // Saved by a version with other lessons: its bitmap's order is unknown here.
    var complete = String(data.m || "").split(".");
    ids.forEach(function (id) {
      if (byId[id].module && complete.indexOf(byId[id].module) !== -1) {
        state.seen[id] = true;
      }
    });
  }

  /* ------------------------------------------------------------------ LMS adapters
     Each adapter offers start() → {location, suspendData, learner, mastery} (or a
     promise of it), save(location, suspendData, status), record(interactions),
     pause(seconds, status) and finish(seconds, status), where status is
     {complete, fraction, percent, success}. The player never speaks a data model. */

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

  /* "Last, First" as SCORM stores names → "First Last" for a certificate. */
  function displayName(name) {
    var parts = String(name || "").split(",");
    return parts.length === 2 ? (parts[1].trim() + " " + parts[0].trim()).trim() : String(name || "").trim();
  }

  function scorm12(api) {
    var reported = "";
    function set(element, value) {
      api.LMSSetValue(element, String(value));
    }
    function writeStatus(status) {
      var value = status.success === true ? "passed" : status.success === false ? "failed" : status.complete ? "completed" : "incomplete";
      if (status.percent !== null) {
        // Moodle grades on score.raw; min and max make it a percentage everywhere.
        set("cmi.core.score.raw", status.percent);
        set("cmi.core.score.min", 0);
        set("cmi.core.score.max", 100);
      }
      if (value !== reported) {
        reported = value;
        set("cmi.core.lesson_status", value);
      }
    }
    function writeSession(seconds, status) {
      set("cmi.core.session_time", scorm12Timespan(seconds));
      // "suspend" keeps the attempt open so the next launch resumes it.
      set("cmi.core.exit", status.complete ? "" : "suspend");
    }
    return {
      start: function () {
        api.LMSInitialize("");
        var status = api.LMSGetValue("cmi.core.lesson_status");
        reported = status;
        if (status === "not attempted" || status === "") {
          reported = "incomplete";
          set("cmi.core.lesson_status", "incomplete");
          api.LMSCommit("");
        }
        var mastery = parseFloat(api.LMSGetValue("cmi.student_data.mastery_score"));
        return {
          location: api.LMSGetValue("cmi.core.lesson_location"),
          suspendData: api.LMSGetValue("cmi.suspend_data"),
          learner: displayName(api.LMSGetValue("cmi.core.student_name")),
          language: api.LMSGetValue("cmi.student_preference.language"),
          mastery: isFinite(mastery) ? mastery : null
        };
      },
      save: function (location, suspendData, status) {
        set("cmi.core.lesson_location", location);
        set("cmi.suspend_data", suspendData);
        writeStatus(status);
        api.LMSCommit("");
      },
      record: function (interactions) {
        interactions.forEach(function (item) {
          var n = Number(api.LMSGetValue("cmi.interactions._count")) || 0;
          var prefix = "cmi.interactions." + n + ".";
          set(prefix + "id", item.id);
          set(prefix + "type", item.type);
          set(prefix + "student_response", scorm12Response(item, item.response));
          set(prefix + "correct_responses.0.pattern", scorm12Response(item, item.pattern));
          set(prefix + "result", item.fraction >= 1 ? "correct" : item.fraction <= 0 ? "wrong" : item.fraction.toFixed(2));
          set(prefix + "weighting", item.weighting);
          set(prefix + "latency", scorm12Timespan(item.latency));
          set(prefix + "time", new Date().toTimeString().slice(0, 8));
        });
        api.LMSCommit("");
      },
      pause: function (seconds, status) {
        writeSession(seconds, status);
        api.LMSCommit("");
      },
      finish: function (seconds, status) {
        writeSession(seconds, status);
        api.LMSCommit("");
        api.LMSFinish("");
      }
    };
  }

  /* SCORM 1.2 response formats: choices are single characters joined by commas,
     true-false is t or f, matching pairs are source.target. */
  function scorm12Response(item, parts) {
    if (item.type === "true-false") {
      return parts[0] === "true" ? "t" : "f";
    }
    if (item.type === "matching") {
      return parts
        .map(function (pair) {
          return pair[0] + "." + pair[1];
        })
        .join(",");
    }
    if (item.type === "choice" || item.type === "sequencing") {
      return parts.join(",");
    }
    return String(parts[0] === undefined ? "" : parts[0]).replace(/\[:\].*$/, "").slice(0, 255);
  }

  function scorm2004(api) {
    var completed = false;
    var success = "unknown";
    function set(element, value) {
      api.SetValue(element, String(value));
    }
    function writeStatus(status) {
      if (status.percent !== null) {
        set("cmi.score.scaled", (status.percent / 100).toFixed(4));
        set("cmi.score.raw", status.percent);
        set("cmi.score.min", 0);
        set("cmi.score.max", 100);
      }
      var verdict = status.success === true ? "passed" : status.success === false ? "failed" : "unknown";
      if (verdict !== success && verdict !== "unknown") {
        success = verdict;
        set("cmi.success_status", verdict);
      }
      if (status.complete && !completed) {
        completed = true;
        set("cmi.completion_status", "completed");
      }
    }
    function writeSession(seconds, status) {
      set("cmi.session_time", isoDuration(seconds));
      set("cmi.exit", status.complete ? "normal" : "suspend");
    }
    return {
      start: function () {
        api.Initialize("");
        var status = api.GetValue("cmi.completion_status");
        completed = status === "completed";
        success = api.GetValue("cmi.success_status") || "unknown";
        if (!completed) {
          // Completion and success are separate in 2004: success stays "unknown"
          // until the graded quizzes decide it.
          set("cmi.completion_status", "incomplete");
          api.Commit("");
        }
        var passing = parseFloat(api.GetValue("cmi.scaled_passing_score"));
        return {
          location: api.GetValue("cmi.location"),
          suspendData: api.GetValue("cmi.suspend_data"),
          learner: displayName(api.GetValue("cmi.learner_name")),
          language: api.GetValue("cmi.learner_preference.language"),
          mastery: isFinite(passing) ? passing * 100 : null
        };
      },
      save: function (location, suspendData, status) {
        set("cmi.location", location);
        set("cmi.suspend_data", suspendData);
        set("cmi.progress_measure", Math.min(1, status.fraction).toFixed(4));
        writeStatus(status);
        api.Commit("");
      },
      record: function (interactions) {
        interactions.forEach(function (item) {
          var n = Number(api.GetValue("cmi.interactions._count")) || 0;
          var prefix = "cmi.interactions." + n + ".";
          set(prefix + "id", item.id);
          set(prefix + "type", item.type);
          set(prefix + "timestamp", new Date().toISOString().slice(0, 19));
          set(prefix + "weighting", item.weighting);
          set(prefix + "learner_response", scorm2004Response(item, item.response, false));
          set(prefix + "correct_responses.0.pattern", scorm2004Response(item, item.pattern, true));
          set(prefix + "result", item.fraction >= 1 ? "correct" : item.fraction <= 0 ? "incorrect" : item.fraction.toFixed(4));
          set(prefix + "latency", isoDuration(item.latency));
          if (item.description) {
            set(prefix + "description", item.description);
          }
        });
        api.Commit("");
      },
      pause: function (seconds, status) {
        writeSession(seconds, status);
        api.Commit("");
      },
      finish: function (seconds, status) {
        writeSession(seconds, status);
        api.Commit("");
        api.Terminate("");
      }
    };
  }

  /* SCORM 2004 response formats use [,] between choices and [.] inside matching pairs. */
  function scorm2004Response(item, parts, isPattern) {
    if (item.type === "true-false") {
      return parts[0] === "true" ? "true" : "false";
    }
    if (item.type === "matching") {
      return parts
        .map(function (pair) {
          return pair[0] + "[.]" + pair[1];
        })
        .join("[,]");
    }
    if (item.type === "choice" || item.type === "sequencing") {
      return parts.join("[,]");
    }
    if (item.type === "numeric" && !isPattern) {
      var number = parseLearnerNumber(parts[0]);
      return number === null ? "0" : String(number);
    }
    return String(parts[0] === undefined ? "" : parts[0]).slice(0, 250);
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
    var verdictSent = "";
    var languagePreference = "";
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
      var state = { location: location, suspendData: suspendData, completed: completedSent, verdict: verdictSent };
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
            return request("GET", launch.endpoint + "agents/profile?" + profile.toString())
              .then(function (response) {
                return response.ok ? response.json() : null;
              })
              .catch(function () {
                return null;
              });
          })
          .then(function (preferences) {
            // cmi5 §11: languagePreference lists the learner's languages, best first.
            languagePreference = (preferences && preferences.languagePreference) || "";
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
            verdictSent = typeof saved.verdict === "string" ? saved.verdict : "";
            last = { location: saved.location || "", suspendData: saved.suspendData || "" };
            var mastery = Number(launchData.masteryScore);
            return {
              location: last.location,
              suspendData: last.suspendData,
              learner: (launch.actor && launch.actor.name) || "",
              language: languagePreference,
              mastery: launchData.masteryScore !== undefined && isFinite(mastery) ? mastery * 100 : null
            };
          });
      },
      save: function (location, suspendData, status) {
        last = { location: location, suspendData: suspendData };
        // Only a Normal launch may change the learner's record (cmi5 §10, launchMode).
        var normal = (launchData.launchMode || "Normal") === "Normal";
        var duration = isoDuration((Date.now() - startedAt) / 1000);
        if (normal && status.success !== null && verdictSent !== "passed") {
          var verdict = status.success ? "passed" : "failed";
          // passed at most once, and never failed after passed (cmi5 §9.3.4, §9.3.5).
          if (verdict !== verdictSent) {
            verdictSent = verdict;
            statement(
              verdict,
              {
                success: status.success,
                duration: duration,
                score: { scaled: Math.round(status.percent * 100) / 10000, raw: status.percent, min: 0, max: 100 }
              },
              ["cmi5", "moveon"]
            );
          }
        }
        if (normal && status.complete && !completedSent) {
          completedSent = true;
          statement("completed", { completion: true, duration: duration }, ["cmi5", "moveon"]);
        }
        writeState(location, suspendData);
      },
      record: function (interactions) {
        if ((launchData.launchMode || "Normal") !== "Normal") {
          return;
        }
        // Answers as xAPI cmi.interaction statements: allowed, not cmi5-defined, so no cmi5 category.
        interactions.forEach(function (item) {
          var template = launchData.contextTemplate || {};
          var context = JSON.parse(JSON.stringify(template));
          context.registration = launch.registration;
          request("POST", launch.endpoint + "statements", {
            id: uuid(),
            actor: launch.actor,
            verb: { id: VERBS + "answered", display: { "en-US": "answered" } },
            object: {
              id: launch.activityId + "/question/" + encodeURIComponent(item.id),
              objectType: "Activity",
              definition: {
                type: "http://adlnet.gov/expapi/activities/cmi.interaction",
                interactionType: item.type === "sequencing" ? "sequencing" : item.type,
                description: { "en-US": item.description },
                correctResponsesPattern: [scorm2004Response(item, item.pattern, true)]
              }
            },
            result: {
              success: item.fraction >= 1,
              response: scorm2004Response(item, item.response, false),
              score: { scaled: Math.round(item.fraction * 10000) / 10000 },
              duration: isoDuration(item.latency)
            },
            context: context,
            timestamp: new Date().toISOString()
          });
        });
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
    var key = "sabaq:" + course.id + ":player";
    return {
      start: function () {
        var saved = readStored(key, {});
        return {
          location: saved.location || "",
          suspendData: saved.suspendData || "",
          learner: "",
          language: navigator.language || "",
          mastery: null
        };
      },
      save: function (location, suspendData) {
        writeStored(key, { location: location, suspendData: suspendData });
      },
      record: function () {},
      pause: function () {},
      finish: function () {}
    };
  }
  /* ------------------------------------------------------------------ start
     Last, so every constant above is assigned before a page starts (function
     declarations are hoisted; `var` values are not). */

  if (typeof document === "object" && document && document.body) {
    var body = document.body;
    var role = body.getAttribute("data-sabaq-page");
    if (role === "player") {
      startPlayer();
    } else if (role === "lesson") {
      startLesson();
    } else if (role === "home") {
      markSeen(rememberVisit(body.getAttribute("data-course"), null));
    }
  }

  /* Under Node (tests/js), the pure parts are offered to the tests: the same code
     learners run. A browser has no `module`, so nothing leaks into a page. */
  if (typeof module === "object" && module && module.exports) {
    module.exports = {
      scoreQuestion: scoreQuestion,
      parseLearnerNumber: parseLearnerNumber,
      normaliseAnswer: normaliseAnswer,
      encodeQuizState: encodeQuizState,
      decodeQuizState: decodeQuizState,
      encodeResponse: encodeResponse,
      encodeState: encodeState,
      decodeState: decodeState,
      courseResult: courseResult
    };
  }
})();
