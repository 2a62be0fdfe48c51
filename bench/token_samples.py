# Other scripts have letters that look Latin: that is the point of this file.
# ruff: noqa: RUF001
"""Non-English sample text for the token-count calibration corpus.

Written for promptcop's benchmark (no data set was downloaded): short
passages of the kinds that end up in prompts -- support answers, product
descriptions, instructions, narrative -- in fourteen languages and several
scripts, because tokenizers differ most on non-Latin scripts.
"""

from __future__ import annotations

NON_ENGLISH: dict[str, str] = {
    "de": """\
Vielen Dank für Ihre Nachricht. Wir haben Ihre Bestellung mit der Nummer 48213 geprüft und
festgestellt, dass die Lieferung wegen eines Lagerfehlers verzögert wurde. Das Paket wurde heute
Morgen an den Versanddienstleister übergeben und sollte spätestens am Donnerstag bei Ihnen
eintreffen. Als kleine Entschädigung erstatten wir Ihnen die Versandkosten in Höhe von 4,90 Euro.

Bitte beachten Sie, dass die Rücksendefrist erst mit dem Tag der Zustellung beginnt. Sollten Sie
mit dem Artikel nicht zufrieden sein, können Sie ihn innerhalb von dreißig Tagen kostenlos
zurückschicken. Das Rücksendeetikett finden Sie in Ihrem Kundenkonto unter „Meine Bestellungen“.

Die Stadtverwaltung kündigte an, dass die Brücke über den Fluss ab Montag für sechs Wochen
gesperrt wird. Fußgänger und Radfahrer können eine provisorische Behelfsbrücke nutzen, während
der Autoverkehr über die Umgehungsstraße umgeleitet wird. Anwohner beklagten sich über die
kurzfristige Ankündigung und forderten eine bessere Abstimmung mit den Verkehrsbetrieben.
""",
    "fr": """\
Bonjour, merci d'avoir contacté notre service client. Après vérification, votre abonnement a bien
été renouvelé le 3 mars, mais le paiement a échoué à cause d'une carte expirée. Pour éviter toute
interruption de service, veuillez mettre à jour vos coordonnées bancaires depuis l'espace « Mon
compte » avant la fin de la semaine. Aucun frais supplémentaire ne vous sera facturé.

Il était une fois, dans un petit village au bord de la mer, une vieille femme qui réparait les
filets des pêcheurs. Chaque matin, elle s'asseyait sur le même banc de pierre, face au port, et
racontait aux enfants des histoires de tempêtes, de baleines et de navires disparus. Personne ne
savait d'où elle venait, mais tout le monde l'appelait « grand-mère ».

Pour installer l'application, téléchargez l'archive, décompressez-la dans un dossier de votre
choix puis exécutez le script d'installation. Si un message d'erreur apparaît, vérifiez que vous
disposez des droits d'administrateur et que votre pare-feu n'empêche pas la connexion au serveur.
""",
    "es": """\
Hola, gracias por escribirnos. Hemos revisado tu solicitud de reembolso y, según nuestras
condiciones, el importe se devolverá al mismo método de pago en un plazo de cinco a diez días
hábiles. Si pasado ese tiempo no ves el abono en tu cuenta, responde a este correo indicando el
número de pedido y te ayudaremos a resolverlo cuanto antes.

La reunión de vecinos se celebrará el próximo jueves a las siete de la tarde en el salón del
edificio. Se tratarán, entre otros asuntos, la reparación del ascensor, la instalación de placas
solares en la azotea y la contratación de un nuevo servicio de limpieza. Se ruega puntualidad.

El informe anual muestra un crecimiento del doce por ciento en las ventas, impulsado sobre todo
por el mercado latinoamericano. Sin embargo, los costes logísticos aumentaron de forma notable y
la dirección prevé medidas de ahorro para el segundo semestre, como la renegociación de contratos
con los transportistas y la consolidación de almacenes regionales.
""",
    "pt": """\
Olá! O seu pedido foi enviado hoje e o código de rastreamento já está disponível no aplicativo.
A entrega para a região Nordeste costuma levar de três a sete dias úteis. Caso o produto chegue
danificado, tire fotos da embalagem e entre em contato conosco em até quarenta e oito horas para
que possamos providenciar a troca sem custo adicional.

O festival de música da cidade reuniu mais de vinte mil pessoas durante o fim de semana. Além dos
shows, houve feira de artesanato, oficinas para crianças e barracas de comida típica. A prefeitura
avaliou o evento como um sucesso e já anunciou a próxima edição para o mesmo período do ano que vem.
""",
    "it": """\
Gentile cliente, la informiamo che a partire dal primo del mese le tariffe del piano Base
subiranno un aumento di due euro mensili. Se non desidera accettare le nuove condizioni, può
recedere dal contratto senza penali entro trenta giorni dalla ricezione di questa comunicazione,
inviando una richiesta scritta tramite l'area personale del sito.

Per preparare il risotto, fate soffriggere la cipolla tritata finemente in un filo d'olio, poi
aggiungete il riso e tostatelo per un paio di minuti. Sfumate con il vino bianco e, una volta
evaporato, versate il brodo caldo un mestolo alla volta, mescolando spesso, fino a cottura.
""",
    "nl": """\
Beste klant, uw afspraak voor het onderhoud van de cv-ketel is bevestigd voor dinsdag tussen
acht en twaalf uur. Zorg ervoor dat de monteur vrij toegang heeft tot de ketel en dat er iemand
thuis is. Wilt u de afspraak verzetten, doe dit dan uiterlijk vierentwintig uur van tevoren via
onze website of telefonisch.
""",
    "pl": """\
Dzień dobry, dziękujemy za zgłoszenie. Nasz technik skontaktuje się z Panem w ciągu dwóch dni
roboczych, aby ustalić termin wizyty. Prosimy przygotować numer seryjny urządzenia, który
znajduje się na tabliczce znamionowej z tyłu obudowy. Gwarancja obejmuje naprawę oraz wymianę
części, ale nie obejmuje uszkodzeń mechanicznych powstałych z winy użytkownika.

Wczoraj wieczorem nad miastem przeszła gwałtowna burza. Silny wiatr łamał drzewa i zrywał
linie energetyczne, a w kilku dzielnicach zabrakło prądu na wiele godzin. Strażacy interweniowali
ponad sto razy, głównie przy usuwaniu powalonych konarów z ulic i dachów budynków.
""",
    "ru": """\
Здравствуйте! Благодарим вас за обращение в службу поддержки. Мы проверили ваш аккаунт и
обнаружили, что двухфакторная аутентификация была отключена после смены номера телефона.
Чтобы восстановить доступ, откройте настройки безопасности, укажите новый номер и подтвердите
его кодом из SMS. Если код не приходит в течение пяти минут, попробуйте запросить его повторно.

В небольшом городке на берегу Волги жил старый часовщик. Его мастерская находилась в подвале
старинного дома, и каждый, кто спускался по узкой лестнице, попадал в мир тиканья, блеска латуни
и запаха машинного масла. Говорили, что он может починить любые часы, даже те, что давно
остановились навсегда.

Согласно отчёту, объём продаж в третьем квартале вырос на восемь процентов по сравнению с
прошлым годом. Наибольший прирост показали онлайн-каналы, тогда как розничные магазины
остались на прежнем уровне. Руководство компании планирует расширить ассортимент и открыть
два новых склада в Сибири.
""",
    "uk": """\
Шановний користувачу, ваш запит на зміну тарифного плану прийнято. Нові умови почнуть діяти з
першого числа наступного місяця. Залишок коштів на рахунку буде перераховано автоматично, а
детальну інформацію ви знайдете в особистому кабінеті в розділі «Мої послуги».
""",
    "tr": """\
Merhaba, siparişiniz kargoya verilmiştir ve tahmini teslim süresi üç iş günüdür. Kargo takip
numaranızı uygulamadaki "Siparişlerim" bölümünde bulabilirsiniz. Ürünü teslim alırken paketin
hasarlı olup olmadığını kontrol etmenizi ve hasar varsa tutanak tutturmanızı rica ederiz.

Belediye, şehir merkezindeki tarihi çarşının restorasyon çalışmalarının önümüzdeki ay
tamamlanacağını duyurdu. Esnaf, çalışmalar nedeniyle müşteri sayısının azaldığını belirterek
sürecin bir an önce bitmesini beklediklerini söyledi.
""",
    "zh": """\
您好，感谢您联系我们的客服中心。经核实，您的订单已于今天上午从仓库发出，预计三到五个工作日内送达。
您可以在“我的订单”页面中查看物流信息。如果收到的商品有任何质量问题，请在七天内申请退换货，
我们将为您提供免费上门取件服务。

人工智能技术的快速发展正在深刻改变各行各业。在医疗领域，智能诊断系统可以帮助医生更早地发现疾病；
在教育领域，个性化学习平台能够根据学生的特点推荐合适的课程；在交通领域，自动驾驶技术有望减少交通事故。
然而，随之而来的数据隐私、算法偏见和就业结构变化等问题，也需要社会各界共同关注和应对。

从前有一座山，山上有一座庙，庙里有一个老和尚在给小和尚讲故事。每天清晨，老和尚都会带着小和尚去山下挑水，
一路上讲述着古老的传说和做人的道理。小和尚渐渐长大，终于明白了师父的用心。
""",
    "ja": """\
いつもご利用いただき、誠にありがとうございます。ご注文いただいた商品は本日発送いたしました。
お届けまでは通常二日から四日ほどかかります。配送状況はマイページの「注文履歴」からご確認いただけます。
万が一、商品に不具合がございましたら、お手数ですが到着後七日以内にカスタマーサポートまでご連絡ください。

京都の古い町家を改装したカフェでは、季節ごとに変わる和菓子と抹茶を楽しむことができる。
窓の外には小さな坪庭があり、雨の日には苔の緑がいっそう鮮やかに見える。
観光客だけでなく地元の人々にも愛され、週末には開店前から行列ができるほどの人気だ。

新しいソフトウェアをインストールする前に、必ずデータのバックアップを取ってください。
インストール中に電源が切れると、システムが起動しなくなる可能性があります。
""",
    "ko": """\
안녕하세요, 고객님. 문의하신 주문 건은 오늘 오전에 출고되었으며 내일 중으로 도착할 예정입니다.
배송 조회는 앱의 '주문 내역' 메뉴에서 확인하실 수 있습니다. 상품에 문제가 있을 경우
수령 후 칠 일 이내에 고객센터로 연락 주시면 교환 또는 환불을 도와드리겠습니다.

서울 시내의 작은 서점들이 독특한 방식으로 살아남고 있다. 어떤 곳은 독서 모임을 열고,
어떤 곳은 작가와의 만남을 주최하며, 또 어떤 곳은 커피와 책을 함께 파는 공간으로 변신했다.
대형 온라인 서점과의 경쟁 속에서도 이들은 동네 사람들의 사랑방 역할을 하고 있다.
""",
    "ar": """\
مرحباً، شكراً لتواصلك مع خدمة العملاء. لقد تم شحن طلبك اليوم ومن المتوقع أن يصل خلال ثلاثة إلى
خمسة أيام عمل. يمكنك متابعة حالة الشحنة من خلال صفحة الطلبات في حسابك. إذا واجهت أي مشكلة في
المنتج، يرجى التواصل معنا خلال سبعة أيام من تاريخ الاستلام لترتيب الاستبدال أو استرداد المبلغ.

أعلنت وزارة التعليم عن إطلاق برنامج جديد لتدريب المعلمين على استخدام التقنيات الرقمية في
الفصول الدراسية، ويهدف البرنامج إلى تحسين جودة التعليم وتطوير مهارات الطلاب في التفكير النقدي
وحل المشكلات.
""",
    "hi": """\
नमस्ते, हमसे संपर्क करने के लिए धन्यवाद। आपका ऑर्डर आज भेज दिया गया है और तीन से पाँच कार्य
दिवसों में आपके पते पर पहुँच जाएगा। आप अपने खाते के "मेरे ऑर्डर" अनुभाग में शिपमेंट की स्थिति
देख सकते हैं। यदि उत्पाद में कोई समस्या हो, तो कृपया सात दिनों के भीतर हमें सूचित करें।

गाँव के पास बहने वाली नदी के किनारे हर साल एक बड़ा मेला लगता है। दूर-दूर से लोग यहाँ आते हैं,
झूले झूलते हैं, मिठाइयाँ खाते हैं और लोक कलाकारों के गीत सुनते हैं।
""",
    "vi": """\
Xin chào quý khách, cảm ơn quý khách đã liên hệ với chúng tôi. Đơn hàng của quý khách đã được
giao cho đơn vị vận chuyển và dự kiến sẽ đến trong vòng ba đến năm ngày làm việc. Quý khách có
thể theo dõi tình trạng đơn hàng trong mục "Đơn hàng của tôi" trên ứng dụng.
""",
    "el": """\
Καλησπέρα σας, το αίτημά σας για αλλαγή της διεύθυνσης αποστολής καταχωρήθηκε επιτυχώς. Η νέα
διεύθυνση θα χρησιμοποιηθεί για όλες τις μελλοντικές παραγγελίες. Εάν επιθυμείτε να αλλάξετε και
τη διεύθυνση τιμολόγησης, μπορείτε να το κάνετε από τις ρυθμίσεις του λογαριασμού σας.
""",
    "he": """\
שלום, תודה שפנית אלינו. ההזמנה שלך נשלחה היום ותגיע בתוך שלושה עד חמישה ימי עסקים. ניתן לעקוב
אחר המשלוח באזור האישי באתר. אם יש בעיה במוצר, אנא צור קשר עם שירות הלקוחות בתוך שבעה ימים.
""",
    "th": """\
สวัสดีค่ะ ขอบคุณที่ติดต่อเรา คำสั่งซื้อของคุณได้จัดส่งแล้ววันนี้ และคาดว่าจะถึงภายในสามถึงห้าวันทำการ
คุณสามารถติดตามสถานะการจัดส่งได้ในหน้าคำสั่งซื้อของฉัน หากสินค้ามีปัญหา กรุณาแจ้งเราภายในเจ็ดวัน
""",
}
