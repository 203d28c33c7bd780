"""Every cleaning rule as data: marker phrases, line patterns and boilerplate containers.

Markers are matched on a line's *key* (see `postfilter.line_key`): lower-cased, tone marks in the
new style, surrounding punctuation stripped. Entries that a fixture needs name that fixture.
"""

from __future__ import annotations

import re

# A heading after which nothing is article text (related lists, most-read boxes, comments, footers).
TAIL_HEADINGS = (
    "các tin khác",  # seeds/000
    "tin khác",
    "tin cùng chuyên mục",
    "cùng chuyên mục",
    "tin mới nhất",  # seeds/004
    "tin mới",
    "tin đang nóng",  # seeds/004
    "tin nóng",
    "tiêu điểm",  # seeds/004
    "có thể bạn quan tâm",  # seeds/004
    "bạn có thể quan tâm",
    "có thể bạn chưa biết",
    "đừng bỏ lỡ",  # seeds/001
    "nổi bật",  # seeds/001 ("Nổi bật Việt Báo")
    "tin nổi bật",
    "đọc nhiều",
    "đọc nhiều nhất",
    "xem nhiều",
    "xem nhiều nhất",
    "tin xem nhiều",
    "ý kiến của bạn",  # seeds/003
    "ý kiến bạn đọc",
    "gửi ý kiến",
    "bình luận",
    "gửi bình luận",
    "viết bình luận",
    "tin tức khác",
    "tin bài khác",
    "bài viết khác",
    "các bài viết khác",
    "tin cũ hơn",
    "tin đã đưa",
    "xem các tin đã đưa ngày",  # seeds/000
    "tin trong",  # seeds/000 ("Tin trong: Chuyên mục này ...")
    "chủ đề",
    "sự kiện",
    "tin ảnh",
    "video nổi bật",
    "theo dòng sự kiện",  # pages/vnexpress_3 (timeline box of earlier stories)
    "gửi phản hồi",  # pages/thanhnien (comment form)
    "phản hồi",
    "xem phản hồi",
)

# A heading of a box of links inside the body: the heading and the link-like lines after it go.
BOX_HEADINGS = (
    "tin liên quan",
    "bài liên quan",  # seeds/001
    "tin bài liên quan",
    "bài viết liên quan",
    "xem thêm",
    "đọc thêm",
    "xem tiếp",
    "mời xem thêm",
    "có thể bạn muốn xem",
)

# A line that is a widget label, never text (dropped alone, not what follows it).
WIDGET_LINES = (
    "video đang hot",  # seeds/004
    "video",
    "quảng cáo",
    "advertisement",
    "chia sẻ",
    "chia sẻ bài viết",
    "in bài",
    "in bài viết",
    "gửi bài",
    "lưu bài",
    "bản in",
    "theo dõi",
    "like",
    "tweet",
    "email",
    "gửi email",
    "lên đầu trang",
    "về trang chủ",
    "trở lại",
    "quay lại",
    "tin tài trợ",
    "tài trợ",
    "bấm để xem",
    "xem ảnh",
    "xem video",
    "đánh giá bài viết",
    "bạn thấy bài viết thế nào",
)

# A footer line: it and everything after it go.
FOOTER_PATTERNS = (
    re.compile(r"^powered by\b"),  # seeds/001 ("POWERED BY ONECMS - A PRODUCT OF NEKO")
    re.compile(r"giấy phép (số|hoạt động)"),
    re.compile(r"^(©|copyright\b|bản quyền\b)"),
    re.compile(r"chịu trách nhiệm (xuất bản|nội dung)"),
    re.compile(r"^(tổng biên tập|phó tổng biên tập|tòa soạn|địa chỉ tòa soạn)\b"),
    re.compile(r"ghi rõ nguồn"),
    re.compile(r"hoan nghênh ý kiến của bạn đọc"),  # pages/thanhnien (comment-policy notice)
    re.compile(r"^(off )?telex vni viqr"),  # pages/thanhnien (comment form's typing-method switch)
    re.compile(r"^truy cập (bản|phiên bản) di động"),  # pages/genk (link to the mobile site)
)

# A line that links to another article: "Xem thêm: <title>", ">> <title>", "► <title>".
LINK_LINE = re.compile(
    r"^(?:(?:xem thêm|đọc thêm|xem tiếp|tin liên quan|bài liên quan|mời xem|clip|video)\s*[:>»]+|>>|»|►|▶|→)\s*\S",
    re.I,
)

# "<headline> - Ảnh 1." written by some CMSs for every photo (seeds/003).
IMAGE_PLACEHOLDER = re.compile(r"\s[-–]\s(?:Ảnh|Hình|Photo)\s*\d+\s*\.?$")

# A caption ends with a photo credit: "… Ảnh: TASS", "(Nguồn: RIA Novosti)" (seeds/000, 001, 003, 004).
CAPTION_CREDIT = re.compile(
    r"(?:^|[\s.(\[–-])\(?(?:Ảnh|Hình|Hình ảnh|Ảnh minh họa|Ảnh minh hoạ|Nguồn ảnh|Nguồn|Đồ họa|Đồ hoạ|Photo|Clip|Video)"
    r"(?:\s*:\s*[^.:()]{1,60}?)?\s*\.?\)?\.?$",
)
CAPTION_MAX_CHARS = 350

# "5 giờ trước", "Hôm qua" rows of most-read lists (seeds/004).
RELATIVE_TIME = re.compile(r"^(?:\d+\s+(?:giây|phút|giờ|ngày|tuần|tháng|năm)\s+trước|hôm qua|vừa xong|mới đây)$")

# A date line: "13/09/2023 22:04" (seeds/001), "Thứ năm, 20/12/2012, 10:18 GMT+7", "Cập nhật: …".
DATE_LINE = re.compile(
    r"^(?:(?:cập nhật|đăng|ngày đăng|đăng ngày|thời gian|ngày|published|updated)\s*:?\s*)?"
    r"(?:(?:thứ\s+\w+|chủ nhật|t\d|cn)\s*[,-]?\s*)?"
    r"(?:ngày\s+)?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"(?:\s*[,|-]?\s*(?:lúc\s+)?\d{1,2}[:h]\d{2}(?::\d{2})?\s*(?:am|pm|sa|ch)?)?"
    r"(?:\s*\(?(?:gmt|utc)\s*[+]\s*0?7(?::00)?\)?)?$"
    r"|^\d{1,2}[:h]\d{2}(?::\d{2})?\s*[,|-]?\s*(?:(?:thứ\s+\w+|chủ nhật)\s*,?\s*)?(?:ngày\s+)?"
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"(?:\s*\(?(?:gmt|utc)\s*[+]\s*0?7(?::00)?\)?)?$"
)

# The closing source line: "Theo Baotintuc.vn" (seeds/000), "(Theo TTXVN)", "Nguồn: VTV".
SOURCE_LINE = re.compile(
    r"^\(?\s*(?:theo|nguồn)\s*:?\s+(?:(?P<author>[^,;/]{2,30})\s*/\s*)?(?P<source>[^,;/]{2,50}?)\s*\)?\s*\.?$", re.I
)
SOURCE_MAX_CHARS = 60

# A contributors' credit closing an agency story: "—Litvinova đưa tin từ Tallinn … đóng góp." (seeds/002).
CREDIT_LINE = re.compile(r"^[—–-]\s*\S.*(?:đưa tin từ|đóng góp\.?$)", re.I)
AGENCIES = {"associated press": "AP", "reuters": "Reuters", "afp": "AFP", "ttxvn": "TTXVN"}

# A tag row: "Tags: a, b", "Từ khóa: a; b".
TAG_ROW = re.compile(r"^(?:tags?|từ khóa|từ khoá|chủ đề|keywords?)\s*:\s*(?P<tags>.+)$", re.I)

# An author line closing the body: "Minh Anh", "HOÀNG HÀ (tổng hợp)", "Nhóm PV".
_NAME = r"(?:[A-ZÀ-ỸĐ][\w.]*\s*){1,5}?"
AUTHOR_LINE = re.compile(
    rf"^(?i:(?:tin|bài|ảnh|tin, ảnh|bài, ảnh|bài và ảnh|tin và ảnh|thực hiện)\s*:\s*)?"
    rf"(?P<name>{_NAME}(?:\s*[-–,&]\s*{_NAME})*)\s*(?i:\((?:tổng hợp|theo [^)]{{1,40}}|lược dịch)\))?$"
)
AUTHOR_MAX_CHARS = 45

# A right-aligned short paragraph closing the body is the byline in most Vietnamese CMSs
# (pages/vnexpress_2, vnexpress_4, thanhnien).
BYLINE_XPATH = ("//body//*[self::p or self::div][@align='right' or @align='RIGHT'"
                " or contains(translate(@style, 'RIGHTEXALN ', 'rightexaln'), 'text-align:right')]")

BYLINE_LINES = 3  # how many of the last right-aligned lines may hold the byline (pages/genk/genk_1)

# A line after the title that is the outlet's slogan or header, not text (seeds/002).
SLOGAN = re.compile(r"\s\|\s|^(tin tức|trang chủ|home)$", re.I)

# A paragraph cut short with an ellipsis: the teaser of another article (seeds/004).
TRUNCATED = re.compile(r"\w\s?(?:\.\.\.|…)$")

# A line that reads as a sentence: ends in terminal punctuation (quotes and brackets allowed after it).
SENTENCE_END = re.compile(r"[.!?…:;。！？][\"'”“’»«›)\]」』]*$|[\"”“’»«]$")
# Chinese characters and Japanese kana: scripts written without spaces between words.
UNSPACED_SCRIPT = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
SENTENCE_MIN_WORDS = 8
LONG_PARAGRAPH_WORDS = 25

# A run of at least this many short title-like lines is a list of links to other articles.
TITLE_RUN_MIN = 3
# ... where most of the run's lines are at least this much the text of the page's links (a run of lines
# of no link is a list of the article: items of a deal, names, steps).
LINKED_LINE_SHARE = 0.5
TITLE_MAX_CHARS = 160

# Containers pruned before extraction: class/id fragments of lists of links (related and most-read
# lists, tag rows, menus), pruned only when links make up at least LINK_BOX_MIN_LINK_SHARE of their text
# (a "related-recipe" box of ingredients holds no link); and of widgets, ads and chrome, pruned whatever
# they hold.
LINK_BOX_CLASS_WORDS = (
    "related", "relate", "lienquan", "tinlienquan", "tin-lien-quan", "box-news", "othernews",
    "other-news", "news-other", "tinkhac", "tin-khac", "samecategory", "same-category", "cungchuyenmuc",
    "readmore", "read-more", "xemthem", "xem-them", "mostview", "most-view", "most-read", "xemnhieu",
    "docnhieu", "topview", "hotnews", "hot-news", "tinnoibat", "noibat", "featured-news", "suggest",
    "recommend", "breadcrumb", "menu", "navbar", "navigation", "tags", "tag-list", "taglist", "keyword",
    "tukhoa", "tu-khoa",
    "inner-article",  # pages/znews (cards of related articles closing the body)
)
LINK_BOX_MIN_LINK_SHARE = 0.25
WIDGET_CLASS_WORDS = (
    "comment", "binhluan", "binh-luan", "ykien", "y-kien", "social", "share", "sharing", "chiase", "chia-se",
    "banner", "advert", "quangcao", "sponsor", "footer", "sidebar", "widget", "poll", "rating", "print",
    "newsletter", "subscribe", "login", "search", "calendar", "video-box", "box-video", "embed", "audio",
    "player", "gallery-thumb", "author-box", "popup",
    "notebox",  # pages/znews (promo box of a book series inside the body)
)
# Of those, what never holds the article, whatever prose it holds: left out of the page-type measures.
NEVER_ARTICLE_CLASS_WORDS = ("popup", "modal", "footer", "comment", "binhluan", "binh-luan", "newsletter",
                             "subscribe", "login", "cookie")
# Whole class or id tokens (too short to match as fragments).
BOILERPLATE_CLASS_TOKENS = ("ads", "ad", "qc", "nav", "header", "top-header", "right", "zone-right", "box-right",
                            "col-right", "lich")
# Elements that are never article text.
BOILERPLATE_TAGS = ("nav", "aside", "footer", "form", "iframe", "noscript", "button", "select", "svg", "canvas")
# Never prune a container holding more than this share of the page's prose (paragraphs of at least
# PROSE_MIN_CHARS characters of their own text): the article sits there, whatever its class says.
PROSE_MIN_CHARS = 100
PRUNE_MAX_PROSE_SHARE = 0.3
# An inline element (a link, a span) whose nearest block holds at least this many words besides its own is
# inside running text: no class or id rule removes it, as that would cut words out of a sentence.
RUNNING_TEXT_MIN_WORDS = 3
# A list of other articles' teasers, pruned whatever its class and however long its summaries: at least this
# many items (li, div, article), and this share of them, each holding a headline link of these many words
# that stands in no sentence, and text outside links of these many characters (a summary, not a section).
# A link of TEASER_HEADLINE_WORDS words reads as a teaser's headline for the page type too.
TEASER_LIST_MIN_ITEMS = 3
TEASER_LIST_MIN_SHARE = 0.8
TEASER_HEADLINE_WORDS = (4, 30)
TEASER_SUMMARY_CHARS = (60, 1500)
# A short paragraph of at least two links that make up this share of its text and no sentence is a row of
# links (a menu, a tag row, a shop's links), pruned like a link-only paragraph.
LINK_ROW_MIN_SHARE = 0.5
# Text standing loose among a container's blocks, of at least this many words of its own (outside inline
# elements), is made a paragraph: the parser ends a <p> at a <div> or <table>, so the rest of a paragraph
# that a photo box closed stands loose, and extraction would drop it.
LOOSE_TEXT_MIN_WORDS = 5
# A piece of a paragraph that extraction ran together from several places of the page (see `seams`) is
# dropped when at least this share of it is the text of links: a menu or a tag row (pages/ngoisao).
STITCHED_LINKS_SHARE = 0.5
# When the cleaned text holds no sentence although the page had at least this much prose in one container,
# the pruning took the article with it: the whole page is extracted again without pruning.
PLAIN_EXTRACTION_MIN_PROSE = 300
# trafilatura's fallback extractors run only when its fast pass returns less than this share of the prose,
# and misses at least this many characters of it (less is a paragraph's worth, which the fallbacks, slower
# by a factor of five, did not bring back on any page measured: pages/ngoisao is one).
FAST_EXTRACTION_MIN_SHARE = 0.6
FALLBACK_MIN_MISSING_PROSE = 150

# Class fragments (lower-case) of the element holding the lead (sapo).
LEAD_CLASS_WORDS = ("sapo", "lead", "summary", "description", "detail_subtitle", "init_content", "phead",
                    "chapeau", "excerpt", "intro", "teaser-text", "desc")
LEAD_MIN_CHARS = 40
# A summary in a block holding besides it a headline link of another article and at most this many more
# characters (a date, a category) is that article's teaser, not this one's lead.
TEASER_EXTRA_CHARS = 100
LEAD_MAX_CHARS = 1200

# Elements holding photo captions (kept out of the text, stored as `captions`), looked for in this order:
# figcaptions; elements whose class names a caption (the class matched case-sensitively: "Image" is a
# caption class of 2012 templates, "image" a wrapper of many); layout tables holding a photo and a line
# of text (pages/thanhnien, vnexpress 2012 templates); a centred line in italics at or right after a
# photo (pages/xinhxinh).
CAPTION_TAG_XPATH = "//figcaption"
CAPTION_CLASS = re.compile(r"caption|Caption|image_desc|img-desc|image-desc|photo-desc|desc_image|tplCaption|Image")
PHOTO_TABLE_XPATH = "//table[.//img][not(.//table)]"
CENTRED_CAPTION_TAGS = ("p", "div", "span")
# Text at a photo that the caption rules going by position leave alone: a numbered step of a how-to or
# recipe, or two sentences or more (split where one ends) of SENTENCE_MIN_WORDS words each.
STEP_LABEL = re.compile(r"^(?:bước|cách|phần|giai đoạn|step|schritt|étape|paso)\s*\d+\s*[:.)-]", re.I)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ỸĐ\"“])")
CENTRED_ITALIC_PHOTO_LINE = ("self::*[preceding-sibling::*[1][self::img or .//img] or .//img]"
                             "[normalize-space(.) = normalize-space(string(.//em | .//i))]")

# JSON-LD types of an article (its metadata is read from the first such object).
ARTICLE_JSONLD_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle",
                        "OpinionNewsArticle", "LiveBlogPosting")
ARTICLE_URL_ID = re.compile(r"(?:[-/.](?:post|a|p|n)?\d{5,}(?:\.\w{2,5})?/?$|\d{6,}\.\w{2,5}$|/\d{4}/\d{2}/[^/]+/?$)")

ERROR_TITLE = re.compile(r"\b404\b|không tìm thấy|page not found|trang không tồn tại", re.I)

# The page-type verdict (`pagetype`): the evidence each signal adds for an article (log-odds, negative
# against), from measures of article and listing pages kept in benchmarks/page_types.json. A step list
# is ((bound, weight), …), bounds falling: the first bound the measure reaches gives the weight.
PAGE_TYPE = {
    "prior": 1.5,
    "article_types": frozenset((*ARTICLE_JSONLD_TYPES, "Recipe", "Review", "ScholarlyArticle", "TechArticle",
                                "Report", "SatiricalArticle")),
    "listing_types": frozenset(("CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage")),
    "jsonld_article": 2.5,
    "jsonld_listing": -2.0,
    "og_type": {"article": 1.0, "website": -0.5, "video.other": -1.0, "video": -1.0, "profile": -1.5},
    "og_other": 0.0,
    "link_density": ((0.85, -2.0), (0.7, -1.0), (0.55, -0.5), (0.0, 0.5)),
    "prose_chars": ((3000, 3.5), (1500, 2.5), (600, 1.0), (250, 0.0), (0, -1.0)),
    "teaser_share": ((0.8, -3.5), (0.65, -2.0), (0.5, -1.0), (0.0, 0.0)),
    "little_text_chars": 200,  # a page with less text than this in all is no article (an empty or error page)
    "little_text": -2.0,
    "dated": 1.0,
    "lead": 0.5,
    "headline": 1.0,
    "error_title": -5.0,  # a title that says the page is not there ("404", "Không tìm thấy")
    "url_home": -1.0,
    "url_article_id": 0.5,
    "sure_log_odds": 3.0,
    "keep_unsentenced_score": 0.9,  # a page at least this likely an article keeps a text of no sentence
}
