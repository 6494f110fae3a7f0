"""Translations of ckanext-datapusherplusapi, kept as data for `make i18n`.

`make i18n` extracts the .pot, merges these entries into the fr and ar .po
files (keeping any translation already there) and compiles the .mo files.
French is the language of the specification: where it gives a French sentence,
it is the translation.
"""

FR = {
    "Invalid parameters": "Paramètres invalides",
    "The CSRF token is missing or invalid: {reason}": "Le jeton CSRF est absent ou invalide : {reason}",
    "You are not authorized to do this": "Vous n'êtes pas autorisé à faire ceci",
    "Resource not found": "Ressource non trouvée",
    "Internal server error": "Erreur interne du serveur",
    "The request body must be a JSON object": "Le corps de la requête doit être un objet JSON",
    "(none)": "(aucun)",
    "The file is too large: {size} MB, the limit is {limit} MB":
        "Le fichier est trop volumineux : {size} Mo, la limite est de {limit} Mo",
    "Unknown package_id {package_id}": "package_id inconnu : {package_id}",
    "Resource {resource_id} does not belong to package {package_id}":
        "La ressource {resource_id} n'appartient pas au package {package_id}",
    "A job for this resource is already {status} (since {since} UTC); use force to submit again":
        "Une tâche pour cette ressource est déjà à l'état {status} (depuis {since} UTC) ; "
        "utilisez force pour soumettre à nouveau",
    "The DataPusher+ service timed out ({timeout} s per try, {attempts} tries)":
        "Le service DataPusher+ n'a pas répondu à temps ({timeout} s par essai, {attempts} essais)",
    "The DataPusher+ service is unreachable ({attempts} tries)":
        "Le service DataPusher+ est injoignable ({attempts} essais)",
    "The DataPusher+ service refused the job: {detail}":
        "Le service DataPusher+ a refusé la tâche : {detail}",
    "File submitted successfully to DataPusher+": "Fichier soumis avec succès au datapusher plus",
    "Must be a JSON object": "Doit être un objet JSON",
    "Unknown DataPusher+ job": "Tâche DataPusher+ inconnue",
    "This callback does not match the job's resource":
        "Ce rappel ne correspond pas à la ressource de la tâche",
    "Only the DataPusher+ service may report job results":
        "Seul le service DataPusher+ peut rendre compte des résultats des tâches",
    "Must be an http:// or https:// URL with a host name, got {value!r}":
        "Doit être une URL http:// ou https:// avec un nom d'hôte, reçu {value!r}",
    "Must be a number": "Doit être un nombre",
    "Must be zero or more": "Doit être supérieur ou égal à zéro",
    "Superseded by a forced resubmission": "Remplacée par une soumission forcée",
    "Internal error while submitting": "Erreur interne lors de la soumission",
    "The service reported an error": "Le service a signalé une erreur",
    "Cancelled": "Annulée",
    "Complete": "Terminée",
    "DataPusher+": "DataPusher+",
    "DataPusher+ could not load the file into the DataStore. Check that the file can be downloaded and that it is a well-formed table.":
        "DataPusher+ n'a pas pu charger le fichier dans le DataStore. Vérifiez que le fichier peut être "
        "téléchargé et qu'il s'agit d'un tableau bien formé.",
    "DataPusher+ status": "État DataPusher+",
    "DataPusher+: {status}": "État DataPusher+ : {status}",
    "Duration": "Durée",
    "Error": "Erreur",
    "Every push of this resource, newest first": "Chaque envoi de cette ressource, du plus récent au plus ancien",
    "Force resubmit": "Forcer une nouvelle soumission",
    "History": "Historique",
    "In the DataStore": "Dans le DataStore",
    "Job": "Tâche",
    "Job in progress…": "Tâche en cours…",
    "Last update": "Dernière mise à jour",
    "No log lines yet.": "Pas encore de journal.",
    "Not authorized to see this page": "Non autorisé à voir cette page",
    "Not in the DataStore": "Pas dans le DataStore",
    "Not submitted": "Non soumise",
    "Pending": "En attente",
    "Push this resource's file into the DataStore and follow the job live.":
        "Envoyez le fichier de cette ressource dans le DataStore et suivez la tâche en direct.",
    "Push to DataStore": "Envoyer au DataStore",
    "Running": "En cours",
    "Something went wrong in CKAN while submitting the file. The portal's administrators will find the details in CKAN's logs.":
        "Un problème est survenu dans CKAN lors de la soumission du fichier. Les administrateurs du "
        "portail trouveront les détails dans les journaux de CKAN.",
    "Status": "État",
    "Status:": "État :",
    "Stuck": "Bloquée",
    "Submit to DataPusher+": "Soumettre à DataPusher+",
    "Submitted": "Soumise",
    "Submitting": "Soumission en cours",
    "The CSRF token is missing or invalid": "Le jeton CSRF est absent ou invalide",
    "The DataPusher+ service could not take the file: it is unreachable or refused the job. Try again later; if this goes on, tell the portal's administrators.":
        "Le service DataPusher+ n'a pas pu prendre le fichier : il est injoignable ou a refusé la "
        "tâche. Réessayez plus tard ; si cela persiste, prévenez les administrateurs du portail.",
    "The DataPusher+ service did not answer in time. Try again later; if this goes on, tell the portal's administrators.":
        "Le service DataPusher+ n'a pas répondu à temps. Réessayez plus tard ; si cela persiste, "
        "prévenez les administrateurs du portail.",
    "The push to the DataStore failed.": "L'envoi dans le DataStore a échoué.",
    "This job was replaced by a forced resubmission.": "Cette tâche a été remplacée par une soumission forcée.",
    "This resource was never pushed.": "Cette ressource n'a jamais été envoyée.",
    "Unknown part": "Partie inconnue",
    "When": "Quand",
    "Who": "Qui",
    "by {name}": "par {name}",
    "forced": "forcée",
    "{hours} h {minutes} min": "{hours} h {minutes} min",
    "{minutes} min {seconds} s": "{minutes} min {seconds} s",
    "{seconds} s": "{seconds} s",
    "Actions": "Actions",
    "All": "Tous",
    "Background work": "Travail en arrière-plan",
    "Bulk submit": "Soumission en masse",
    "Cancel": "Annuler",
    "Cancelled by {user}": "Annulée par {user}",
    "Clear": "Effacer",
    "DataPusher+ jobs": "Tâches DataPusher+",
    "Dataset": "Jeu de données",
    "Export CSV": "Exporter en CSV",
    "Filter": "Filtrer",
    "Filter ignored:": "Filtre ignoré :",
    "Filter the jobs": "Filtrer les tâches",
    "Format": "Format",
    "From": "Du",
    "From {first} to {last}; at most {top} jobs on one day.":
        "Du {first} au {last} ; au plus {top} tâches en un jour.",
    "Job cancelled": "Tâche annulée",
    "Jobs per day by status, last 30 days": "Tâches par jour et par état, 30 derniers jours",
    "Latest job of each resource only": "Seulement la dernière tâche de chaque ressource",
    "Need to be system administrator to administer": "Il faut être administrateur système",
    "No job matches.": "Aucune tâche ne correspond.",
    "Only a pending or running job can be cancelled":
        "Seule une tâche en attente ou en cours peut être annulée",
    "Only sysadmins may use the DataPusher+ dashboard":
        "Seuls les administrateurs système peuvent utiliser le tableau de bord DataPusher+",
    "Organization": "Organisation",
    "Pages": "Pages",
    "Queued: the progress shows below": "En file d'attente : la progression s'affiche ci-dessous",
    "Reachable": "Joignable",
    "Resource": "Ressource",
    "Resource or dataset": "Ressource ou jeu de données",
    "Retry": "Relancer",
    "Retry every failed job matching the filter": "Relancer chaque tâche échouée correspondant au filtre",
    "Retry failed jobs": "Relance des tâches échouées",
    "Submit every resource whose data is not in the DataStore yet, by organization and format. The work runs in the background.":
        "Soumettre chaque ressource dont les données ne sont pas encore dans le DataStore, par "
        "organisation et par format. Le travail s'exécute en arrière-plan.",
    "Submit resources not in the DataStore": "Soumettre les ressources absentes du DataStore",
    "Submitted again": "Soumise à nouveau",
    "Success rate": "Taux de réussite",
    "Summary": "Résumé",
    "The service does not know this job any more": "Le service ne connaît plus cette tâche",
    "To": "Au",
    "Unreachable": "Injoignable",
    "latest of each resource": "dernière de chaque ressource",
    "median {median}, 95th percentile {p95} (last 7 days)":
        "médiane {median}, 95e centile {p95} (7 derniers jours)",
    "never": "jamais",
    "{done} of {total} done ({submitted} submitted, {skipped} already running, {failed} refused)":
        "{done} sur {total} traitées ({submitted} soumises, {skipped} déjà en cours, {failed} refusées)",
    "{ms} ms": "{ms} ms",
    "{rate} over 24 h, {rate7} over 7 days": "{rate} sur 24 h, {rate7} sur 7 jours",
    "Missing value": "Valeur manquante",
    "Only an interrupted or failed task can be resumed":
        "Seule une tâche interrompue ou en échec peut être reprise",
    "Resume": "Reprendre",
    "Unknown task": "Tâche inconnue",
    "interrupted": "interrompue",
    "Resource was not found.": "La ressource est introuvable.",
    # ckan datapusherplusapi (the CLI)
    "Name resources, --dataset, --organization or --all":
        "Indiquez des ressources, --dataset, --organization ou --all",
    "{submitted} submitted, {skipped} skipped (a job is already active), {failed} failed":
        "{submitted} soumise(s), {skipped} ignorée(s) (une tâche est déjà active), "
        "{failed} en échec",
    "{count} resource(s) would be submitted": "{count} ressource(s) seraient soumises",
    "Submitting": "Soumission",
    "Retrying": "Nouvel essai",
    "Not found": "Introuvable",
    "{count} job row(s) would be deleted": "{count} ligne(s) de tâche seraient supprimées",
    "{count} job row(s) deleted": "{count} ligne(s) de tâche supprimée(s)",
    'Formats':
        'Formats',
    'Loader':
        'Chargeur',
    'Loader log':
        'Journal du chargeur',
    'Message from the loader':
        'Message du chargeur',
    "Missing value (DataPusher+ 2.x's jobs act with it: a sysadmin's API token)":
        "Valeur manquante (les tâches de DataPusher+ 2.x agissent avec : le jeton d'API d'un administrateur système)",
    "Missing value (ckanext-xloader's jobs act with it: a sysadmin's API token)":
        "Valeur manquante (les tâches de ckanext-xloader agissent avec : le jeton d'API d'un administrateur système)",
    'The DataPusher+ service stopped reporting on this job, most likely because it failed on the file. Check that the file can be downloaded and that it is a well-formed table, then submit it again.':
        "Le service DataPusher+ ne donne plus de nouvelles de cette tâche, très probablement parce qu'il a échoué sur le fichier. Vérifiez que le fichier peut être téléchargé et que c'est un tableau bien formé, puis soumettez-le à nouveau.",
    'The file answers HTTP {status} {reason}.':
        'Le fichier répond HTTP {status} {reason}.',
    'The loader does not know this job any more':
        'Le chargeur ne connaît plus cette tâche',
    'The loader lost this job (it may have been restarted, or its job queue emptied). Submit the file again.':
        'Le chargeur a perdu cette tâche (il a peut-être été redémarré, ou sa file de tâches vidée). Soumettez le fichier à nouveau.',
    'The loader reported an error':
        'Le chargeur a signalé une erreur',
    "The loader's background job failed (its worker may have been stopped). Submit the file again; if this goes on, tell the portal's administrators.":
        "La tâche d'arrière-plan du chargeur a échoué (son worker a peut-être été arrêté). Soumettez le fichier à nouveau ; si cela persiste, prévenez les administrateurs du portail.",
    'The service has reported nothing new on this job for {seconds} s; its last log line: “{line}”.':
        "Le service n'a rien signalé de nouveau sur cette tâche depuis {seconds} s ; sa dernière ligne de journal : « {line} ».",
    "Unsupported format {format}: this portal's loader ({loader}) takes {allowed}":
        'Format non pris en charge {format} : le chargeur de ce portail ({loader}) accepte {allowed}',
    'by {loader} itself':
        'par {loader} lui-même',
    'last report:':
        'dernières nouvelles :',
    'no background worker is listening to its queue (start one: ckan jobs worker)':
        "aucun worker d'arrière-plan n'écoute sa file (lancez-en un : ckan jobs worker)",
    'no reason given':
        'aucune raison donnée',
    'the job queue is unreachable: {error}':
        'la file de tâches est injoignable : {error}',
    'the qsv binary DataPusher+ runs is missing ({path})':
        "le binaire qsv qu'exécute DataPusher+ est absent ({path})",
    'the {plugin} plugin must be loaded (ckan.plugins)':
        'le plugin {plugin} doit être chargé (ckan.plugins)',
    '{loader} did not take the job (a plugin refused it, or the job queue is unreachable)':
        "{loader} n'a pas pris la tâche (un plugin l'a refusée, ou la file de tâches est injoignable)",
    '{loader} did not take the job: {detail}':
        "{loader} n'a pas pris la tâche : {detail}",
    '{loader} has no record of this load':
        "{loader} n'a aucune trace de ce chargement",
    '{loader} itself':
        '{loader} lui-même',
    '{loader} reported an error':
        '{loader} a signalé une erreur',
    "{loader}'s background job {job} is gone from the job queue without a result (was the queue emptied, or the worker restarted?)":
        "La tâche d'arrière-plan {job} de {loader} a disparu de la file sans résultat (la file a-t-elle été vidée, ou le worker redémarré ?)",
    "{loader}'s background job {state}: {reason}":
        "Tâche d'arrière-plan de {loader} : {state} : {reason}",
    '{workers} worker(s), {queued} job(s) queued':
        '{workers} worker(s), {queued} tâche(s) en file',
    'Every push of a resource into the DataStore on the whole portal, whoever started it: people, scripts, or the loader itself.':
        "Chaque envoi d'une ressource vers le DataStore sur tout le portail, quel qu'en soit l'auteur : des personnes, des scripts ou le chargeur lui-même.",
    'A job without news for a while is asked about to its loader; one pending or running for more than {minutes} minutes is shown as stuck.':
        'Le chargeur est interrogé sur une tâche restée un moment sans nouvelles ; une tâche en attente ou en cours depuis plus de {minutes} minutes est signalée comme bloquée.',
    'for {name}':
        'pour {name}',
    ("%(count)s job", "%(count)s jobs"): ("%(count)s tâche", "%(count)s tâches"),
}

AR = {
    "Invalid parameters": "معلمات غير صالحة",
    "The CSRF token is missing or invalid: {reason}": "رمز CSRF مفقود أو غير صالح: {reason}",
    "You are not authorized to do this": "غير مصرح لك بالقيام بهذا",
    "Resource not found": "المورد غير موجود",
    "Internal server error": "خطأ داخلي في الخادم",
    "The request body must be a JSON object": "يجب أن يكون متن الطلب كائن JSON",
    "(none)": "(لا شيء)",
    "The file is too large: {size} MB, the limit is {limit} MB":
        "الملف كبير جدًا: {size} ميغابايت، والحد الأقصى {limit} ميغابايت",
    "Unknown package_id {package_id}": "معرّف الحزمة package_id غير معروف: {package_id}",
    "Resource {resource_id} does not belong to package {package_id}":
        "المورد {resource_id} لا ينتمي إلى الحزمة {package_id}",
    "A job for this resource is already {status} (since {since} UTC); use force to submit again":
        "توجد مهمة لهذا المورد في الحالة {status} (منذ {since} بالتوقيت العالمي)؛ "
        "استخدم force لإعادة الإرسال",
    "The DataPusher+ service timed out ({timeout} s per try, {attempts} tries)":
        "انتهت مهلة خدمة DataPusher+ ({timeout} ثانية لكل محاولة، {attempts} محاولات)",
    "The DataPusher+ service is unreachable ({attempts} tries)":
        "تعذر الوصول إلى خدمة DataPusher+ ({attempts} محاولات)",
    "The DataPusher+ service refused the job: {detail}":
        "رفضت خدمة DataPusher+ المهمة: {detail}",
    "File submitted successfully to DataPusher+": "تم إرسال الملف بنجاح إلى DataPusher+",
    "Must be a JSON object": "يجب أن يكون كائن JSON",
    "Unknown DataPusher+ job": "مهمة DataPusher+ غير معروفة",
    "This callback does not match the job's resource": "هذا الاستدعاء لا يطابق مورد المهمة",
    "Only the DataPusher+ service may report job results":
        "خدمة DataPusher+ وحدها يمكنها الإبلاغ عن نتائج المهام",
    "Must be an http:// or https:// URL with a host name, got {value!r}":
        "يجب أن يكون عنوان URL من نوع http:// أو https:// مع اسم مضيف، والقيمة المستلمة {value!r}",
    "Must be a number": "يجب أن يكون رقمًا",
    "Must be zero or more": "يجب أن يكون صفرًا أو أكثر",
    "Superseded by a forced resubmission": "استُبدلت بإعادة إرسال قسرية",
    "Internal error while submitting": "خطأ داخلي أثناء الإرسال",
    "The service reported an error": "أبلغت الخدمة عن خطأ",
    "Cancelled": "ملغاة",
    "Complete": "مكتملة",
    "DataPusher+": "DataPusher+",
    "DataPusher+ could not load the file into the DataStore. Check that the file can be downloaded and that it is a well-formed table.":
        "تعذر على DataPusher+ تحميل الملف في DataStore. تحقق من إمكانية تنزيل الملف ومن أنه جدول سليم البنية.",
    "DataPusher+ status": "حالة DataPusher+",
    "DataPusher+: {status}": "حالة DataPusher+: {status}",
    "Duration": "المدة",
    "Error": "خطأ",
    "Every push of this resource, newest first": "كل عمليات إرسال هذا المورد، الأحدث أولًا",
    "Force resubmit": "فرض إعادة الإرسال",
    "History": "السجل التاريخي",
    "In the DataStore": "في DataStore",
    "Job": "المهمة",
    "Job in progress…": "المهمة قيد التنفيذ…",
    "Last update": "آخر تحديث",
    "No log lines yet.": "لا توجد أسطر سجل بعد.",
    "Not authorized to see this page": "غير مصرح لك بعرض هذه الصفحة",
    "Not in the DataStore": "ليس في DataStore",
    "Not submitted": "لم يُرسل",
    "Pending": "قيد الانتظار",
    "Push this resource's file into the DataStore and follow the job live.":
        "أرسل ملف هذا المورد إلى DataStore وتابع المهمة مباشرة.",
    "Push to DataStore": "إرسال إلى DataStore",
    "Running": "قيد التشغيل",
    "Something went wrong in CKAN while submitting the file. The portal's administrators will find the details in CKAN's logs.":
        "حدث خطأ في CKAN أثناء إرسال الملف. سيجد مسؤولو البوابة التفاصيل في سجلات CKAN.",
    "Status": "الحالة",
    "Status:": "الحالة:",
    "Stuck": "عالقة",
    "Submit to DataPusher+": "إرسال إلى DataPusher+",
    "Submitted": "أُرسلت",
    "Submitting": "جارٍ الإرسال",
    "The CSRF token is missing or invalid": "رمز CSRF مفقود أو غير صالح",
    "The DataPusher+ service could not take the file: it is unreachable or refused the job. Try again later; if this goes on, tell the portal's administrators.":
        "تعذر على خدمة DataPusher+ استلام الملف: لا يمكن الوصول إليها أو رفضت المهمة. حاول لاحقًا؛ "
        "وإذا استمر ذلك فأبلغ مسؤولي البوابة.",
    "The DataPusher+ service did not answer in time. Try again later; if this goes on, tell the portal's administrators.":
        "لم تستجب خدمة DataPusher+ في الوقت المحدد. حاول لاحقًا؛ وإذا استمر ذلك فأبلغ مسؤولي البوابة.",
    "The push to the DataStore failed.": "فشل الإرسال إلى DataStore.",
    "This job was replaced by a forced resubmission.": "استُبدلت هذه المهمة بإعادة إرسال قسرية.",
    "This resource was never pushed.": "لم يُرسل هذا المورد قط.",
    "Unknown part": "جزء غير معروف",
    "When": "متى",
    "Who": "من",
    "by {name}": "بواسطة {name}",
    "forced": "قسري",
    "{hours} h {minutes} min": "{hours} س {minutes} د",
    "{minutes} min {seconds} s": "{minutes} د {seconds} ث",
    "{seconds} s": "{seconds} ث",
    "Actions": "الإجراءات",
    "All": "الكل",
    "Background work": "العمل في الخلفية",
    "Bulk submit": "إرسال جماعي",
    "Cancel": "إلغاء",
    "Cancelled by {user}": "ألغاها {user}",
    "Clear": "مسح",
    "DataPusher+ jobs": "مهام DataPusher+",
    "Dataset": "مجموعة البيانات",
    "Export CSV": "تصدير CSV",
    "Filter": "تصفية",
    "Filter ignored:": "تم تجاهل عامل التصفية:",
    "Filter the jobs": "تصفية المهام",
    "Format": "التنسيق",
    "From": "من",
    "From {first} to {last}; at most {top} jobs on one day.":
        "من {first} إلى {last}؛ بحد أقصى {top} مهمة في يوم واحد.",
    "Job cancelled": "أُلغيت المهمة",
    "Jobs per day by status, last 30 days": "المهام يوميًا حسب الحالة، آخر 30 يومًا",
    "Latest job of each resource only": "آخر مهمة لكل مورد فقط",
    "Need to be system administrator to administer": "يجب أن تكون مسؤول نظام",
    "No job matches.": "لا توجد مهمة مطابقة.",
    "Only a pending or running job can be cancelled": "لا يمكن إلغاء إلا مهمة قيد الانتظار أو قيد التشغيل",
    "Only sysadmins may use the DataPusher+ dashboard":
        "لا يستخدم لوحة معلومات DataPusher+ إلا مسؤولو النظام",
    "Organization": "المؤسسة",
    "Pages": "الصفحات",
    "Queued: the progress shows below": "في قائمة الانتظار: يظهر التقدم أدناه",
    "Reachable": "متاحة",
    "Resource": "المورد",
    "Resource or dataset": "المورد أو مجموعة البيانات",
    "Retry": "إعادة المحاولة",
    "Retry every failed job matching the filter": "إعادة محاولة كل مهمة فاشلة تطابق عامل التصفية",
    "Retry failed jobs": "إعادة محاولة المهام الفاشلة",
    "Submit every resource whose data is not in the DataStore yet, by organization and format. The work runs in the background.":
        "إرسال كل مورد لم تصل بياناته إلى DataStore بعد، حسب المؤسسة والتنسيق. يجري العمل في الخلفية.",
    "Submit resources not in the DataStore": "إرسال الموارد غير الموجودة في DataStore",
    "Submitted again": "أُعيد الإرسال",
    "Success rate": "معدل النجاح",
    "Summary": "الملخص",
    "The service does not know this job any more": "لم تعد الخدمة تعرف هذه المهمة",
    "To": "إلى",
    "Unreachable": "غير متاحة",
    "latest of each resource": "الأحدث لكل مورد",
    "median {median}, 95th percentile {p95} (last 7 days)":
        "الوسيط {median}، المئين 95 {p95} (آخر 7 أيام)",
    "never": "أبدًا",
    "{done} of {total} done ({submitted} submitted, {skipped} already running, {failed} refused)":
        "أُنجز {done} من {total} ({submitted} أُرسلت، {skipped} قيد التشغيل مسبقًا، {failed} مرفوضة)",
    "{ms} ms": "{ms} مللي ثانية",
    "{rate} over 24 h, {rate7} over 7 days": "{rate} خلال 24 ساعة، {rate7} خلال 7 أيام",
    "Missing value": "قيمة مفقودة",
    "Only an interrupted or failed task can be resumed": "لا يمكن استئناف إلا مهمة متوقفة أو فاشلة",
    "Resume": "استئناف",
    "Unknown task": "مهمة غير معروفة",
    "interrupted": "متوقفة",
    "Resource was not found.": "لم يتم العثور على المورد.",
    # ckan datapusherplusapi (the CLI)
    "Name resources, --dataset, --organization or --all":
        "حدّد موارد أو --dataset أو --organization أو --all",
    "{submitted} submitted, {skipped} skipped (a job is already active), {failed} failed":
        "أُرسل {submitted}، وتُخطّي {skipped} (توجد مهمة نشطة)، وفشل {failed}",
    "{count} resource(s) would be submitted": "سيُرسل {count} من الموارد",
    "Submitting": "جارٍ الإرسال",
    "Retrying": "إعادة المحاولة",
    "Not found": "غير موجود",
    "{count} job row(s) would be deleted": "سيُحذف {count} من سجلات المهام",
    "{count} job row(s) deleted": "حُذف {count} من سجلات المهام",
    'Formats':
        'الصيغ',
    'Loader':
        'المُحمِّل',
    'Loader log':
        'سجل المُحمِّل',
    'Message from the loader':
        'رسالة المُحمِّل',
    "Missing value (DataPusher+ 2.x's jobs act with it: a sysadmin's API token)":
        'قيمة مفقودة (تعمل مهام DataPusher+ 2.x بها: رمز API لمدير نظام)',
    "Missing value (ckanext-xloader's jobs act with it: a sysadmin's API token)":
        'قيمة مفقودة (تعمل مهام ckanext-xloader بها: رمز API لمدير نظام)',
    'The DataPusher+ service stopped reporting on this job, most likely because it failed on the file. Check that the file can be downloaded and that it is a well-formed table, then submit it again.':
        'توقفت خدمة DataPusher+ عن الإبلاغ عن هذه المهمة، على الأرجح لأنها فشلت في معالجة الملف. تحقق من إمكانية تنزيل الملف ومن أنه جدول سليم البنية، ثم أرسله مرة أخرى.',
    'The file answers HTTP {status} {reason}.':
        'يجيب الملف بـ HTTP {status} {reason}.',
    'The loader does not know this job any more':
        'لم يعد المُحمِّل يعرف هذه المهمة',
    'The loader lost this job (it may have been restarted, or its job queue emptied). Submit the file again.':
        'فقد المُحمِّل هذه المهمة (ربما أُعيد تشغيله أو أُفرغت قائمة مهامه). أرسل الملف مرة أخرى.',
    'The loader reported an error':
        'أبلغ المُحمِّل عن خطأ',
    "The loader's background job failed (its worker may have been stopped). Submit the file again; if this goes on, tell the portal's administrators.":
        'فشلت مهمة المُحمِّل في الخلفية (ربما أُوقف العامل). أرسل الملف مرة أخرى؛ وإن تكرر ذلك فأبلغ مديري البوابة.',
    'The service has reported nothing new on this job for {seconds} s; its last log line: “{line}”.':
        'لم تُبلغ الخدمة عن أي جديد بشأن هذه المهمة منذ {seconds} ث؛ آخر سطر في سجلها: «{line}».',
    "Unsupported format {format}: this portal's loader ({loader}) takes {allowed}":
        'صيغة غير مدعومة {format}: يقبل مُحمِّل هذه البوابة ({loader}) الصيغ {allowed}',
    'by {loader} itself':
        'بواسطة {loader} نفسه',
    'last report:':
        'آخر إبلاغ:',
    'no background worker is listening to its queue (start one: ckan jobs worker)':
        'لا يوجد عامل في الخلفية يستمع إلى قائمة مهامه (شغّل واحدًا: ckan jobs worker)',
    'no reason given':
        'لم يُذكر سبب',
    'the job queue is unreachable: {error}':
        'تعذّر الوصول إلى قائمة المهام: {error}',
    'the qsv binary DataPusher+ runs is missing ({path})':
        'برنامج qsv الذي يشغّله DataPusher+ غير موجود ({path})',
    'the {plugin} plugin must be loaded (ckan.plugins)':
        'يجب تحميل الإضافة {plugin} (ckan.plugins)',
    '{loader} did not take the job (a plugin refused it, or the job queue is unreachable)':
        'لم يقبل {loader} المهمة (رفضتها إضافة، أو تعذّر الوصول إلى قائمة المهام)',
    '{loader} did not take the job: {detail}':
        'لم يقبل {loader} المهمة: {detail}',
    '{loader} has no record of this load':
        'لا يملك {loader} أي سجل لعملية التحميل هذه',
    '{loader} itself':
        '{loader} نفسه',
    '{loader} reported an error':
        'أبلغ {loader} عن خطأ',
    "{loader}'s background job {job} is gone from the job queue without a result (was the queue emptied, or the worker restarted?)":
        'اختفت مهمة الخلفية {job} الخاصة بـ {loader} من قائمة المهام دون نتيجة (هل أُفرغت القائمة أو أُعيد تشغيل العامل؟)',
    "{loader}'s background job {state}: {reason}":
        'مهمة الخلفية الخاصة بـ {loader}: {state}: {reason}',
    '{workers} worker(s), {queued} job(s) queued':
        'العمال: {workers}، المهام في الانتظار: {queued}',
    'Every push of a resource into the DataStore on the whole portal, whoever started it: people, scripts, or the loader itself.':
        'كل عمليات إرسال الموارد إلى DataStore في البوابة كلها، أيًّا كان من بدأها: أشخاص أو نصوص برمجية أو المُحمِّل نفسه.',
    'A job without news for a while is asked about to its loader; one pending or running for more than {minutes} minutes is shown as stuck.':
        'يُسأل المُحمِّل عن أي مهمة بقيت مدة دون أخبار؛ وتُعرض المهمة المعلّقة أو الجارية منذ أكثر من {minutes} دقيقة على أنها عالقة.',
    'for {name}':
        'لصالح {name}',
    ("%(count)s job", "%(count)s jobs"): (
        "لا مهام", "مهمة واحدة", "مهمتان", "%(count)s مهام", "%(count)s مهمة", "%(count)s مهمة"),
}

CATALOGUES = {"fr": FR, "ar": AR}
