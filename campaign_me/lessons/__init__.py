"""The workbook lessons' sentences, written from the numbers of the country they run on.

A lesson that interprets its results ("the before-after comparison finds the campaign's effect
plus the trend") must say what *this* country's numbers show, not what one country's showed when
the lesson was written. Each module here turns a lesson's results into its interpretive sentences
(one module per lesson, named for its roadmap step); the notebooks print them and the tests assert
them for every sample country.

Every lesson function that takes a confidence level (``level``) or the suppression thresholds
(``min_n``, ``flag_n``) also takes ``settings=``, a :class:`campaign_me.conventions.Reporting`: the
notebooks pass the workbook's once (``settings=wb.settings``, from
:func:`campaign_me.workbook.check_parameters`); a keyword given explicitly wins
(:func:`campaign_me.lessons.start.given_or_settings`).
"""
