// Gallery previews: a card's clip plays muted while hovered, focused or tapped, and stops
// when left. The source is attached only then (preload="none"), so a page of 24 cards loads
// posters, not videos.
(function () {
  "use strict";
  function start(video) {
    if (!video.src && video.dataset.src) { video.src = video.dataset.src; }
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  function stop(video) { video.pause(); }
  document.querySelectorAll("video.preview").forEach(function (video) {
    var card = video.closest(".card") || video;
    card.addEventListener("mouseenter", function () { start(video); });
    card.addEventListener("mouseleave", function () { stop(video); });
    card.addEventListener("focusin", function () { start(video); });
    card.addEventListener("focusout", function () { stop(video); });
    video.addEventListener("touchstart", function (event) {
      // The first tap previews; a second tap (while playing) follows the link to the clip page.
      if (video.paused) { event.preventDefault(); start(video); }
    }, { passive: false });
  });
})();
