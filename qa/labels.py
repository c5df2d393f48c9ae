"""Every sentence a person reads from the app or the terminal, in Chinese and English, in one place."""
from __future__ import annotations

EXAMPLES = [
    "她如何看待AI监管？",
    "AI会让很多人失业吗？",
    "如果用户想要一个会生气的聊天机器人呢？",
    "What does she think about AI in education?",
    "Was the Sky voice meant to sound like Scarlett Johansson?",
    "Why did OpenAI build ChatGPT itself?",
]

LABELS = {
    "zh": {"asked": "提问", "full": "完整回答", "context": "上下文", "read": "在原文中阅读", "source": "原文链接",
           "none": "这些访谈里没有谈到这个问题。", "none_hint": "可以换个说法，或者试试下面的示例问题。",
           "resolved": "理解为", "more_none": "关于这个问题，没有更多的回答了。", "rank": "第{}条",
           "no_articles": "请在右侧至少选择一篇文章。", "at": "时间", "cite": "引用", "more": "更多（相关度较低）",
           "link": "此回答的链接", "why": "匹配", "by_date": "按采访日期", "copy": "复制引用",
           "copy_md": "复制 Markdown", "said": "原话出处",
           "version": {"original": "原话", "rendering": "中文译文"},
           "read_as": {"quote": "按引文查找：逐句匹配她的原话", "claim": "理解为一种说法，查找："},
           "framed": "按引文查找，只取她的原话（去掉了引述者的话）：",
           "match": {"answers it": "直接回答", "related": "相关", "loosely related": "略有相关"}},
    "en": {"asked": "Asked", "full": "Full answer", "context": "Context", "read": "Read in the transcript",
           "source": "Original article", "none": "The transcripts don't cover this.",
           "none_hint": "Try rephrasing, or one of the example questions.",
           "resolved": "Read as", "more_none": "There are no more answers on this.", "rank": "#{}",
           "no_articles": "Select at least one article on the right.", "at": "at", "cite": "Cite",
           "more": "More, less related", "link": "Link to this answer", "why": "Matched",
           "copy": "Copy citation", "copy_md": "Copy as Markdown",
           "by_date": "By interview date", "said": "where she said it",
           "version": {"original": "Her original words", "rendering": "As the article renders it"},
           "read_as": {"quote": "Searched as a quote: her words in another rendering, matched sentence by sentence",
                       "claim": "Read as a claim; searched for: "},
           "framed": "Searched as a quote, her words without the writer's around them: ",
           "match": {"answers it": "answers it", "related": "related", "loosely related": "loosely related"}},
}
