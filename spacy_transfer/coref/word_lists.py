"""The word lists of the coref format: pronouns and gendered words, in one place for every coref module.

Two pronoun sets, because they answer two questions. `PRONOUNS` (any kind: personal, demonstrative, relative,
interrogative, "one") says whether a mention is a pronoun, so that it never becomes a cluster's main mention
or a replacement in resolved text. `PERSONAL_PRONOUNS` says which words the `coref` component's string match
and merge rules skip: there a demonstrative or relative such as "This" or "which" is an ordinary word, and the
rules were tuned on LitBank dev that way.
"""

from typing import Dict

# fmt: off
PERSONAL_PRONOUNS = frozenset("""
i me my mine myself you your yours yourself yourselves we us our ours ourselves
he him his himself she her hers herself it its itself they them their theirs themselves
""".split())
PRONOUNS = PERSONAL_PRONOUNS | frozenset("one oneself this that these those who whom whose which what".split())
# Pronouns that resolved text keeps: first and second person, reflexives and "one".
KEPT_PRONOUNS = frozenset("""
i me my mine myself you your yours yourself yourselves we us our ours ourselves
himself herself itself themselves oneself one
""".split())
# Pronouns that resolved text turns into a possessive ("his plan" -> "Elon Musk's plan"); "her" is decided per token.
POSSESSIVES = frozenset({"his", "its", "their", "theirs", "hers", "whose"})
# Words after which "her" is the object pronoun, not the possessive ("told her that").
AFTER_OBJECT_HER = frozenset("""
. , ; : ! ? ' " ) ] - that the a an to and or but nor so in on at with for from of by
about as if when while because before after up down out off over into onto again too
""".split())
# fmt: on

# The gendered third-person pronouns, with their class (the bits combine: a cluster holding both is MALE | FEMALE).
MALE, FEMALE = 1, 2
GENDERED_PRONOUNS: Dict[str, int] = {
    **dict.fromkeys(("he", "him", "his", "himself"), MALE),
    **dict.fromkeys(("she", "her", "hers", "herself"), FEMALE),
}
MASCULINE_PRONOUNS = tuple(word for word, gender in GENDERED_PRONOUNS.items() if gender == MALE)
FEMININE_PRONOUNS = tuple(word for word, gender in GENDERED_PRONOUNS.items() if gender == FEMALE)

# The pronouns `is_name` never takes for a name. Narrower than PERSONAL_PRONOUNS on purpose: a capitalised
# reflexive, "Us" or "Mine" counts as a name (name agreement was tuned so), and adding them would change links.
NOT_NAMES = frozenset(GENDERED_PRONOUNS) | frozenset("i it its we you me my our your they them their".split())


def is_name(word: str) -> bool:
    """A capitalised alphabetic word that is no pronoun: a likely proper name (or a sentence's first word)."""
    return word[:1].isupper() and word.isalpha() and word.lower() not in NOT_NAMES


# Gendered words as (masculine, feminine) pairs: pronouns first, then nouns and titles. gender.py makes the
# gender-neutral table of them, corpora/gender_swap.py the swap table.
# fmt: off
_PAIRS = """
he she  him her  himself herself  man woman  men women  boy girl  boys girls  father mother
fathers mothers  son daughter  sons daughters  brother sister  brothers sisters  husband wife
husbands wives  king queen  kings queens  prince princess  princes princesses  lord lady  lords ladies
gentleman lady  gentlemen ladies  sir madam  mr mrs  mr. mrs.  uncle aunt  uncles aunts  nephew niece
nephews nieces  grandfather grandmother  grandson granddaughter  grandsons granddaughters  dad mom
daddy mommy  papa mama  boyfriend girlfriend  groom bride  bridegroom bride  widower widow
actor actress  actors actresses  waiter waitress  waiters waitresses  hero heroine  heroes heroines
god goddess  gods goddesses  emperor empress  duke duchess  dukes duchesses  baron baroness  heir heiress
monk nun  monks nuns  priest priestess  stepfather stepmother  stepson stepdaughter  male female
males females  masculine feminine  lad lass  lads lasses  fiance fiancee  schoolboy schoolgirl
""".split()
# fmt: on
GENDERED_PAIRS = list(zip(_PAIRS[::2], _PAIRS[1::2]))

# First names of one common gender, as (masculine, feminine) pairs, for swapped training copies (Zhao et al.
# 2018 replace names too): without them, a swapped copy says "Emma ... he", and teaches the model that a name's
# gender is no evidence. Names that are also common capitalised words (Will, Grace, Mark, May) are left out.
# fmt: off
_NAME_PAIRS = """
john mary  george elizabeth  henry anne  charles catherine  william emma  edward jane  james margaret
robert sarah  thomas susan  richard harriet  arthur alice  walter edith  frederick charlotte  albert lucy
alfred eleanor  harry helen  david ruth  michael linda  peter martha  paul julia  daniel laura
joseph louisa  samuel fanny  philip maria  stephen isabella  francis frances  edmund marianne  hugh ellen
tom kate  jim nancy  joe betty  jack jenny  ben molly  fred polly  bob sally  ted amy  dick dolly
andrew barbara  anthony patricia  kevin jessica  brian karen  steven lisa  jason emily
matthew ashley  ryan amanda  eric rachel  justin megan  brandon nicole  adam rebecca  jeffrey michelle
timothy angela  gregory melissa  patrick stephanie  raymond deborah  scott sharon  donald carol
kenneth sandra  ronald donna  larry cynthia  jerry kathleen  dennis janet  carl diane  roger heather
""".split()
# fmt: on
NAME_PAIRS = list(zip(_NAME_PAIRS[::2], _NAME_PAIRS[1::2]))
