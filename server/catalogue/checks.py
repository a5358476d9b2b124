"""Diagnoses about the checking itself."""

from server.catalogue import entry

ENTRIES = (
    entry(
        "check.timeout",
        "La vérification « {check} » n'a pas répondu en {seconds} s.",
        "The “{check}” check did not answer within {seconds} s.",
        "Un service ne répond pas : vérifiez le nom d'hôte et le port, puis réessayez. Si "
        "cela persiste, le service est peut-être en panne.",
        "A service does not answer: check the host name and port, then try again. If it "
        "persists, the service may be down.",
    ),
    entry(
        "check.crashed",
        "La vérification « {check} » a échoué de façon inattendue.",
        "The “{check}” check failed unexpectedly.",
        "Ce n'est pas de votre faute : signalez-le à votre formateur avec le code "
        "ci-dessus. Les autres vérifications restent valables.",
        "This is not your fault: report it to your teacher with the code above. The "
        "other checks still hold.",
    ),
    entry(
        "check.skipped",
        "Vérification « {check} » non faite : un réglage dont elle dépend manque ou est faux.",
        "“{check}” not checked: a setting it needs is missing or wrong.",
        "Corrigez d'abord les réglages signalés plus haut.",
        "First fix the settings reported above.",
    ),
)
