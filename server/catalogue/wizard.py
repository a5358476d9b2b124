"""Diagnoses about using the setup wizard itself."""

from server.catalogue import entry

ENTRIES = (
    entry(
        "wizard.not_proved",
        "Prouvez d'abord que ce Space est le vôtre.",
        "First prove that this Space is yours.",
        "À l'étape « Votre Space », collez un jeton Hugging Face write (ou, hors d'un Space, "
        "le code de configuration du journal) et cliquez « Tester ».",
        "At the “Your Space” step, paste a Hugging Face write token (or, outside a Space, "
        "the setup code from the log) and click “Test”.",
    ),
    entry(
        "wizard.rate_limited",
        "Trop de tests en peu de temps.",
        "Too many tests in a short time.",
        "Attendez une minute avant de réessayer.",
        "Wait a minute before trying again.",
    ),
    entry(
        "wizard.test_first",
        "Cette étape n'a pas encore de test réussi.",
        "This step has no passing test yet.",
        "Corrigez la valeur selon le diagnostic ci-dessus, puis cliquez « Tester ».",
        "Fix the value as the diagnosis above says, then click “Test”.",
    ),
    entry(
        "wizard.accept_first",
        "L'avertissement ci-dessus n'est pas encore accepté.",
        "The warning above is not accepted yet.",
        "Cochez la case pour continuer malgré lui, ou corrigez la valeur et testez à nouveau.",
        "Tick the box to go on despite it, or fix the value and test again.",
    ),
    entry("wizard.code_ok", "Code accepté.", "Code accepted."),
    entry(
        "wizard.code_wrong",
        "Ce n'est pas le code du journal du serveur.",
        "This is not the code from the server's log.",
        "Recopiez la ligne « Setup code » du journal (docker logs, ou le terminal qui a lancé "
        "python app.py).",
        "Copy the “Setup code” line of the log again (docker logs, or the terminal that ran "
        "python app.py).",
    ),
    entry(
        "wizard.write_failed",
        "Ces réglages n'ont pas pu être enregistrés : {keys}. Rien n'a été redémarré.",
        "These settings could not be saved: {keys}. Nothing was restarted.",
        "Réessayez « Appliquer » ; si cela persiste, vérifiez que le jeton a toujours le droit "
        "d'écrire dans ce Space.",
        "Try “Apply” again; if it persists, check that the token may still write to this Space.",
    ),
    entry(
        "wizard.incomplete",
        "Il manque encore des étapes réussies : {steps}.",
        "Steps still without a passing test: {steps}.",
        "Revenez à ces étapes et testez-les.",
        "Go back to these steps and test them.",
    ),
)
