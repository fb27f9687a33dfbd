"""Kazakh date and number formats (Django ships none for `kk`).

Long dates read year first: "1998 ж. 6 шілде"; the month stands in lower case (the "E" month,
which our catalogue gives in its Kazakh form). Curators type dates day first: 06.07.1998.
"""

DATE_FORMAT = "Y \\ж. j E"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y \\ж. j E, H:i"
YEAR_MONTH_FORMAT = "Y \\ж. E"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# The forms of the partial dates (rkst.dates): a day, a month of a year.
PARTIAL_DAY_FORMAT = DATE_FORMAT
PARTIAL_MONTH_FORMAT = YEAR_MONTH_FORMAT

DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # '06.07.1998'
    "%d.%m.%y",  # '06.07.98'
    "%Y-%m-%d",  # '1998-07-06'
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M:%S",
    "%d.%m.%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
