"""The page shown instead of MLflow while the settings are incomplete or wrong.

It names every missing or invalid setting, what it is and how to fix it, in French and
English. It never shows a secret value: only whether each setting is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import gradio as gr

from server.diagnoses import Diagnosis, Language
from server.settings import SETTINGS, SPACE_ID, Settings

_TEXT: dict[Language, dict[str, str]] = {
    "fr": {
        "tab": "Français",
        "title": "Votre serveur MLflow n'est pas encore prêt",
        "intro": "MLflow démarrera dès que les réglages ci-dessous seront corrects. "
        "Rien n'est perdu : vos données restent dans Neon et S3.",
        "problems": "Ce qu'il faut corriger",
        "settings": "Les réglages",
        "where_space": "Ajoutez-les comme **secrets** dans [Settings → Variables and secrets]"
        "({url}) ; le Space redémarre tout seul après chaque modification.",
        "where_local": "Ajoutez-les au fichier `.env` à côté de `app.py`, ou comme variables "
        "d'environnement, puis relancez `python app.py`.",
        "name": "Nom",
        "meaning": "Rôle",
        "state": "État",
        "set": "✓ défini",
        "unset_required": "✗ manquant",
        "unset_optional": "— facultatif",
        "secret": " (secret)",
    },
    "en": {
        "tab": "English",
        "title": "Your MLflow server is not ready yet",
        "intro": "MLflow starts as soon as the settings below are right. Nothing is lost: "
        "your data stays in Neon and S3.",
        "problems": "What to fix",
        "settings": "The settings",
        "where_space": "Add them as **secrets** under [Settings → Variables and secrets]({url}); "
        "the Space restarts by itself after each change.",
        "where_local": "Add them to the `.env` file next to `app.py`, or as environment "
        "variables, then run `python app.py` again.",
        "name": "Name",
        "meaning": "Meaning",
        "state": "State",
        "set": "✓ set",
        "unset_required": "✗ missing",
        "unset_optional": "— optional",
        "secret": " (secret)",
    },
}


def render(
    settings: Settings,
    problems: Sequence[Diagnosis],
    language: Language,
    environ: Mapping[str, str],
) -> str:
    """The page's Markdown in one language."""
    text = _TEXT[language]
    lines = [f"# {text['title']}", "", text["intro"], "", f"## {text['problems']}", ""]
    for problem in problems:
        lines.append(f"- ✗ **{problem.message(language)}**  \n  → {problem.fix(language)}")
    space_id = environ.get(SPACE_ID)
    if space_id:
        url = f"https://huggingface.co/spaces/{space_id}/settings"
        lines += ["", text["where_space"].format(url=url)]
    else:
        lines += ["", text["where_local"]]
    lines += [
        "",
        f"## {text['settings']}",
        "",
        f"| {text['name']} | {text['meaning']} | {text['state']} |",
        "|---|---|---|",
    ]
    for setting in SETTINGS:
        if setting.name in settings:
            state = text["set"]
        else:
            state = text["unset_required"] if setting.required else text["unset_optional"]
        label = setting.label_fr if language == "fr" else setting.label_en
        help_text = setting.help_fr if language == "fr" else setting.help_en
        secret = text["secret"] if setting.secret else ""
        lines.append(f"| `{setting.name}`{secret} | **{label}** — {help_text} | {state} |")
    return "\n".join(lines)


def build(
    settings: Settings, problems: Sequence[Diagnosis], environ: Mapping[str, str]
) -> gr.Blocks:
    with gr.Blocks(title="MLflow — configuration", analytics_enabled=False) as page:
        for language in ("fr", "en"):
            with gr.Tab(_TEXT[language]["tab"]):
                gr.Markdown(render(settings, problems, language, environ))
    return page


def serve(
    settings: Settings,
    problems: Sequence[Diagnosis],
    environ: Mapping[str, str],
    *,
    host: str,
    port: int,
) -> None:
    build(settings, problems, environ).launch(
        server_name=host, server_port=port, footer_links=[], quiet=True, ssr_mode=False
    )
