"""Images embedded in the body follow the rights of the story's media entries."""

from __future__ import annotations

from syndicate.domain.images import feed_body, partner_body, strip_images

AGENCY = {"url": "https://media.chira.example/erbil.jpg", "partner_redistribution": False, "feed_reuse": False}
OWN = {"url": "https://media.chira.example/map.png", "partner_redistribution": True}


def test_a_forbidden_image_goes_with_its_figure_and_the_text_around_it_stays() -> None:
    body = (
        '<div lang="ckb" dir="rtl"><p>یەک &amp; دوو</p>'
        '<figure><img src="HTTPS://MEDIA.chira.example/erbil.jpg"><figcaption>AFP</figcaption></figure>'
        '<p>before <img src="https://media.chira.example/map.png" alt="m"> after</p></div>'
    )
    out = partner_body(body, [AGENCY, OWN], all_images=False)
    assert out == (
        '<div lang="ckb" dir="rtl"><p>یەک &amp; دوو</p>'
        '<p>before <img src="https://media.chira.example/map.png" alt="m"> after</p></div>'
    )
    assert partner_body(body, [AGENCY, OWN], all_images=True) == body
    assert "map.png" in feed_body(body, [AGENCY, OWN]) and "erbil.jpg" not in feed_body(body, [AGENCY, OWN])


def test_an_unlisted_image_may_go_to_feeds_but_not_to_partners() -> None:
    body = '<p>lead <img src="https://elsewhere.example/x.jpg"> tail</p>'
    assert feed_body(body, []) == body
    assert partner_body(body, [], all_images=False) == "<p>lead  tail</p>"


def test_a_figure_keeps_its_allowed_images_and_nothing_is_rewritten_without_a_removal() -> None:
    body = '<figure><img src="https://a.example/1.jpg"><img src="https://a.example/2.jpg"></figure>'
    kept = strip_images(body, lambda url: url.endswith("2.jpg"))
    assert kept == '<figure><img src="https://a.example/2.jpg"></figure>'
    untouched = "<p>Caf\u00e9 &amp; <b>bold</b><br></p>"
    assert strip_images(untouched, lambda url: False) is untouched
