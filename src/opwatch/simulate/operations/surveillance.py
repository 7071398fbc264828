"""Planted operation: builders of a social-media listening (surveillance) tool.

Modelled on public reports of operators who debugged code for a tool that
collects posts about chosen topics, wrote sales pitches for it and analysed
documents — in Chinese, in China business hours, from shared infrastructure.
Their debugging prompts can leave staging addresses and internal model names
in the pasted code, and many accounts reuse one prompt scaffold.
"""

from __future__ import annotations

from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations.infra import Crew, make_crew
from opwatch.simulate.world import AI, World

_PRODUCT = ("舆情监测平台", "社媒采集系统", "实时舆情预警工具", "海外社媒分析助手")
_PLATFORM = ("X", "Facebook", "YouTube", "Telegram", "Instagram", "Reddit")
_MODULE = ("采集模块", "关键词订阅模块", "账号画像模块", "报告生成模块", "去重模块", "翻译模块")
_ERR = ("429 Too Many Requests", "JSONDecodeError", "SSL握手失败", "连接超时", "KeyError: 'data'",
        "403 Forbidden", "UnicodeDecodeError")
_CODE = (
    "resp = session.get(f\"{base}/search?q={kw}&limit=100\", timeout=10)\nitems = resp.json()['data']",
    "for page in range(pages):\n    r = client.fetch(topic, cursor)\n    cursor = r.next\n    store.save(r.items)",
    "payload = {{'model': '{model}', 'text': post['content']}}\nsummary = requests.post('{base}/summarize', json=payload)",
    "df = pd.DataFrame(rows)\ndf['lang'] = df.text.map(detect)\ndf.to_sql('posts', engine)",
)
_STAGING = ("http://10.{a}.{b}.21:8080/api/v2", "https://staging-{c}.{dom}/collect",
            "http://192.168.{a}.{b}:5000")
_MODELS = ("internal-qwen-7b-ft", "sentiment-zh-v3", "llama-ft-yq-0312")
_CLIENT = ("省级宣传部门", "安全机构客户", "地方政府办公室", "企业公关部门")
_DOC = ("会议纪要", "项目招标文件", "用户手册", "季度报告", "技术方案书")
_ASK_PLAIN = ("帮我看看这段代码为什么报错：{err}，我们在做{product}的{module}。",
              "这个{module}抓取{platform}数据的时候一直出现{err}，怎么改？")
_PITCH_PLAIN = ("给{client}写一份{product}的推介材料，突出实时监测{platform}的能力。",)
_DOC_PLAIN = ("总结一下这份{doc}的要点，列出五条。",)


def _fill(crew: Crew, template: str) -> str:
    rng = crew.rng
    return template.format(
        product=rng.choice(_PRODUCT), platform=rng.choice(_PLATFORM), module=rng.choice(_MODULE),
        err=rng.choice(_ERR), client=rng.choice(_CLIENT), doc=rng.choice(_DOC),
    )


def _code(crew: Crew) -> str:
    rng = crew.rng
    code = rng.choice(_CODE)
    base = "{base}"
    model = "gpt-4o"
    if crew.cfg.has("staging_artifacts") and rng.random() < 0.7:
        base = rng.choice(_STAGING).format(a=rng.randint(1, 30), b=rng.randint(2, 250),
                                           c=rng.randint(1, 4), dom="yq-data.cn")
        model = rng.choice(_MODELS)
    return code.replace("{base}", base).replace("{model}", model).replace("{{", "{").replace("}}", "}")


def _prompt(crew: Crew) -> tuple[str, str]:
    rng = crew.rng
    kind = rng.choices(("debug", "pitch", "doc"), weights=(5, 2, 2))[0]
    scaffold = crew.cfg.has("prompt_scaffold")
    if kind == "debug":
        if scaffold:
            text = (f"【任务】代码调试\n【背景】我们在开发{rng.choice(_PRODUCT)}，用于实时采集"
                    f"{rng.choice(_PLATFORM)}上的帖子和评论并生成报告。\n【代码】\n{_code(crew)}\n"
                    f"【报错】{rng.choice(_ERR)}\n【要求】给出修改后的完整代码并说明原因。")
        else:
            text = _fill(crew, rng.choice(_ASK_PLAIN)) + "\n" + _code(crew)
        reply = "错误原因是返回结果里没有对应字段，建议先检查状态码，再加上重试和限速。修改后的代码如下。"
    elif kind == "pitch":
        if scaffold:
            text = (f"【任务】撰写销售材料\n【产品】{rng.choice(_PRODUCT)}\n【客户】{rng.choice(_CLIENT)}\n"
                    f"【要求】突出对{rng.choice(_PLATFORM)}的实时监测、关键词预警和自动报告，800字。")
        else:
            text = _fill(crew, rng.choice(_PITCH_PLAIN))
        reply = "本平台可对境内外主要社交媒体进行全天候监测，自动识别热点话题并生成日报。"
    else:
        if scaffold:
            text = (f"【任务】文档分析\n【材料】一份{rng.choice(_DOC)}\n【要求】提炼要点，"
                    f"列出风险和下一步计划。")
        else:
            text = _fill(crew, rng.choice(_DOC_PLAIN))
        reply = "要点如下：一、项目进度正常；二、数据来源需要扩展；三、下一步完善报告模板。"
    return text, reply


def build(world: World, name: str, cfg: OperationConfig) -> None:
    crew = make_crew(world, name, cfg, country="CN", langs=("zh",))
    for acct in crew.accounts(AI, cfg.size):
        n = max(2, int(crew.rng.gauss(cfg.activity, cfg.activity / 3)))
        left = n
        while left > 0:
            conv = world.new_conversation()
            t = crew.when()
            for _ in range(min(left, crew.rng.randint(1, 4))):
                text, reply = _prompt(crew)
                lang = "zh"
                world.prompt(crew.rng, acct, world.clock.clamp(t), text, reply, conv, lang)
                t += crew.rng.uniform(60, 1200)
                left -= 1
