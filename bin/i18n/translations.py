"""Translations of ckanext-datapusherplusapi, kept as data for `make i18n`.

`make i18n` extracts the .pot, merges these entries into the fr and ar .po
files (keeping any translation already there) and compiles the .mo files.
French is the language of the spec: where the seed gives a French sentence,
it is the translation.
"""

FR = {
    "Invalid parameters": "Paramètres invalides",
    "The CSRF token is missing or invalid: {reason}": "Le jeton CSRF est absent ou invalide : {reason}",
    "You are not authorized to do this": "Vous n'êtes pas autorisé à faire ceci",
    "Resource not found": "Ressource non trouvée",
    "Internal server error": "Erreur interne du serveur",
    "The request body must be a JSON object": "Le corps de la requête doit être un objet JSON",
    "Unsupported format {format}: DataPusher+ accepts {allowed}":
        "Format non pris en charge {format} : DataPusher+ accepte {allowed}",
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
    "Message from the service": "Message du service",
    "No log lines yet.": "Pas encore de journal.",
    "Not authorized to see this page": "Non autorisé à voir cette page",
    "Not in the DataStore": "Pas dans le DataStore",
    "Not submitted": "Non soumise",
    "Pending": "En attente",
    "Push this resource's file into the DataStore and follow the job live.":
        "Envoyez le fichier de cette ressource dans le DataStore et suivez la tâche en direct.",
    "Push to DataStore": "Envoyer au DataStore",
    "Running": "En cours",
    "Service log": "Journal du service",
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
    "Service": "Service",
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
    "last successful contact:": "dernier contact réussi :",
    "latest of each resource": "dernière de chaque ressource",
    "median {median}, 95th percentile {p95} (last 7 days)":
        "médiane {median}, 95e centile {p95} (7 derniers jours)",
    "never": "jamais",
    "{done} of {total} done ({submitted} submitted, {skipped} already running, {failed} refused)":
        "{done} sur {total} traitées ({submitted} soumises, {skipped} déjà en cours, {failed} refusées)",
    "{ms} ms": "{ms} ms",
    "{rate} over 24 h, {rate7} over 7 days": "{rate} sur 24 h, {rate7} sur 7 jours",
    "A job pending or running for more than {minutes} minutes is shown as stuck; the service is then asked about it.":
        "Une tâche en attente ou en cours depuis plus de {minutes} minutes est signalée comme "
        "bloquée ; le service est alors interrogé à son sujet.",
    "Every push of a resource into the DataStore through the DataPusher+ service, on the whole portal.":
        "Chaque envoi d'une ressource dans le DataStore par le service DataPusher+, sur tout le portail.",
    ("%(count)s job", "%(count)s jobs"): ("%(count)s tâche", "%(count)s tâches"),
    "Missing value": "Valeur manquante",
    "Only an interrupted or failed task can be resumed":
        "Seule une tâche interrompue ou en échec peut être reprise",
    "Resume": "Reprendre",
    "Unknown task": "Tâche inconnue",
    "interrupted": "interrompue",
    "The DataPusher+ service lost this job (it may have been restarted). Submit the file again.":
        "Le service DataPusher+ a perdu cette tâche (il a peut-être redémarré). Soumettez à nouveau "
        "le fichier.",
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
}

AR = {
    "Invalid parameters": "معلمات غير صالحة",
    "The CSRF token is missing or invalid: {reason}": "رمز CSRF مفقود أو غير صالح: {reason}",
    "You are not authorized to do this": "غير مصرح لك بالقيام بهذا",
    "Resource not found": "المورد غير موجود",
    "Internal server error": "خطأ داخلي في الخادم",
    "The request body must be a JSON object": "يجب أن يكون متن الطلب كائن JSON",
    "Unsupported format {format}: DataPusher+ accepts {allowed}":
        "تنسيق غير مدعوم {format}: يقبل DataPusher+ التنسيقات {allowed}",
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
    "Message from the service": "رسالة الخدمة",
    "No log lines yet.": "لا توجد أسطر سجل بعد.",
    "Not authorized to see this page": "غير مصرح لك بعرض هذه الصفحة",
    "Not in the DataStore": "ليس في DataStore",
    "Not submitted": "لم يُرسل",
    "Pending": "قيد الانتظار",
    "Push this resource's file into the DataStore and follow the job live.":
        "أرسل ملف هذا المورد إلى DataStore وتابع المهمة مباشرة.",
    "Push to DataStore": "إرسال إلى DataStore",
    "Running": "قيد التشغيل",
    "Service log": "سجل الخدمة",
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
    "Service": "الخدمة",
    "Submit every resource whose data is not in the DataStore yet, by organization and format. The work runs in the background.":
        "إرسال كل مورد لم تصل بياناته إلى DataStore بعد، حسب المؤسسة والتنسيق. يجري العمل في الخلفية.",
    "Submit resources not in the DataStore": "إرسال الموارد غير الموجودة في DataStore",
    "Submitted again": "أُعيد الإرسال",
    "Success rate": "معدل النجاح",
    "Summary": "الملخص",
    "The service does not know this job any more": "لم تعد الخدمة تعرف هذه المهمة",
    "To": "إلى",
    "Unreachable": "غير متاحة",
    "last successful contact:": "آخر اتصال ناجح:",
    "latest of each resource": "الأحدث لكل مورد",
    "median {median}, 95th percentile {p95} (last 7 days)":
        "الوسيط {median}، المئين 95 {p95} (آخر 7 أيام)",
    "never": "أبدًا",
    "{done} of {total} done ({submitted} submitted, {skipped} already running, {failed} refused)":
        "أُنجز {done} من {total} ({submitted} أُرسلت، {skipped} قيد التشغيل مسبقًا، {failed} مرفوضة)",
    "{ms} ms": "{ms} مللي ثانية",
    "{rate} over 24 h, {rate7} over 7 days": "{rate} خلال 24 ساعة، {rate7} خلال 7 أيام",
    "A job pending or running for more than {minutes} minutes is shown as stuck; the service is then asked about it.":
        "تُعرض المهمة المنتظرة أو الجارية لأكثر من {minutes} دقيقة على أنها عالقة، ثم تُسأل الخدمة عنها.",
    "Every push of a resource into the DataStore through the DataPusher+ service, on the whole portal.":
        "كل عملية إرسال لمورد إلى DataStore عبر خدمة DataPusher+، على مستوى البوابة كلها.",
    ("%(count)s job", "%(count)s jobs"): (
        "لا مهام", "مهمة واحدة", "مهمتان", "%(count)s مهام", "%(count)s مهمة", "%(count)s مهمة"),
    "Missing value": "قيمة مفقودة",
    "Only an interrupted or failed task can be resumed": "لا يمكن استئناف إلا مهمة متوقفة أو فاشلة",
    "Resume": "استئناف",
    "Unknown task": "مهمة غير معروفة",
    "interrupted": "متوقفة",
    "The DataPusher+ service lost this job (it may have been restarted). Submit the file again.":
        "فقدت خدمة DataPusher+ هذه المهمة (ربما أُعيد تشغيلها). أرسل الملف مرة أخرى.",
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
}

CATALOGUES = {"fr": FR, "ar": AR}
