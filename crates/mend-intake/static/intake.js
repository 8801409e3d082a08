// Hides follow-up questions whose condition does not hold, as the partner answers. The server
// applies the same rule to what is sent, so without this script every question simply shows and
// answers to questions that do not apply are ignored.
(function () {
  'use strict';

  // "Leave this page" takes this page's place in the browser's history, so that Back does not
  // bring the form, with the partner's name and draft, up again for whoever came into the room.
  // Without the script it is a plain link, which leaves at once all the same.
  var exit = document.querySelector('a.exit');
  if (exit) {
    exit.addEventListener('click', function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      window.location.replace(exit.href);
    });
  }

  var form = document.querySelector('form[data-intake]');
  var summary = document.querySelector('.error-summary');
  if (summary) {
    summary.focus();
    // A link in the summary moves focus into the field itself, and scrolls so that the
    // question above it shows too, not only the control.
    summary.addEventListener('click', function (event) {
      var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
      var target = link ? document.getElementById(link.getAttribute('href').slice(1)) : null;
      if (!target) {
        return;
      }
      event.preventDefault();
      var field = target.closest ? target.closest('.field') : null;
      (field || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }
  if (!form) {
    return;
  }
  // Fields whose answers a condition tests carry `data-question`; follow-up questions carry
  // `data-show-if`. Other fields play no part.
  var fields = Array.prototype.slice.call(form.querySelectorAll('.field[data-question], .field[data-show-if]'));

  // The answer of one field, parsed as the server does: null when there is none.
  function answerOf(field) {
    var name = field.getAttribute('data-question');
    var kind = field.getAttribute('data-kind');
    var controls = Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
    if (kind === 'multiple') {
      var chosen = controls.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
      return chosen.length ? chosen : null;
    }
    if (kind === 'single' || kind === 'scale') {
      var picked = controls.filter(function (c) { return c.checked; })[0];
      if (!picked) {
        return null;
      }
      return kind === 'scale' ? Number(picked.value) : picked.value;
    }
    var text = controls.length ? controls[0].value.trim() : '';
    return text === '' ? null : text;
  }

  function compare(c, n) {
    var hasMin = typeof c.at_least === 'number';
    var hasMax = typeof c.at_most === 'number';
    return (hasMin || hasMax) && (!hasMin || n >= c.at_least) && (!hasMax || n <= c.at_most);
  }

  // Whether a condition holds for the answers so far; a condition on no answer is false.
  function holds(c, answers) {
    if (c.any && c.any.length) {
      return c.any.some(function (inner) { return holds(inner, answers); });
    }
    if (c.all && c.all.length) {
      return c.all.every(function (inner) { return holds(inner, answers); });
    }
    if (!c.question || !(c.question in answers)) {
      return false;
    }
    var answer = answers[c.question];
    var anyOf = c.any_of || [];
    if (typeof answer === 'number') {
      if (typeof c.equals === 'string') {
        return String(answer) === c.equals;
      }
      return compare(c, answer);
    }
    if (Array.isArray(answer)) {
      return answer.indexOf(c.equals) !== -1 || answer.some(function (v) { return anyOf.indexOf(v) !== -1; });
    }
    return answer === c.equals || anyOf.indexOf(answer) !== -1;
  }

  function update() {
    var answers = {};
    fields.forEach(function (field) {
      var rule = field.getAttribute('data-show-if');
      var visible = true;
      if (rule) {
        try {
          visible = holds(JSON.parse(rule), answers);
        } catch (e) {
          visible = true;
        }
      }
      field.hidden = !visible;
      if (visible && field.hasAttribute('data-question')) {
        var answer = answerOf(field);
        if (answer !== null) {
          answers[field.getAttribute('data-question')] = answer;
        }
      }
    });
  }

  form.addEventListener('change', update);
  form.addEventListener('input', update);
  update();
}());
