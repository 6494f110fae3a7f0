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
}

CATALOGUES = {"fr": FR, "ar": AR}
