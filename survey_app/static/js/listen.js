/* Read a question aloud with the browser's own voices: no text leaves the device.
   Only voices that run on the device (localService === true) are used: a network voice
   would send the question to a speech service. The buttons stay hidden unless this
   browser has such a voice for the page language. */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { return; }
  var lang = (document.documentElement.lang || "en").toLowerCase();
  var primary = lang.split("-")[0];
  var wanted = { "zh-hans": ["zh-cn", "zh-sg", "zh"] }[lang] || [lang, primary];

  function pickVoice() {
    var voices = synth.getVoices().filter(function (v) { return v.localService === true; });
    for (var i = 0; i < wanted.length; i++) {
      for (var j = 0; j < voices.length; j++) {
        var v = voices[j].lang.toLowerCase().replace("_", "-");
        if (v === wanted[i] || v.split("-")[0] === wanted[i]) { return voices[j]; }
      }
    }
    return null;
  }

  function textOf(question) {
    var parts = [];
    question.querySelectorAll("legend, label, .hint").forEach(function (el) {
      if (!el.closest(".listen")) { parts.push(el.textContent.trim()); }
    });
    return parts.join(". ");
  }

  function enable() {
    var voice = pickVoice();
    if (!voice) { return; }
    document.querySelectorAll("button.listen").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        synth.cancel();
        var utterance = new SpeechSynthesisUtterance(textOf(button.closest(".question")));
        utterance.voice = voice;
        utterance.lang = voice.lang;
        synth.speak(utterance);
      });
    });
  }

  if (synth.getVoices().length) { enable(); }
  else if ("onvoiceschanged" in synth) { synth.addEventListener("voiceschanged", enable, { once: true }); }

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
